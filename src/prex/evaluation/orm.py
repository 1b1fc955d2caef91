"""Tables of the evaluation service: one evaluation per tender, what each committee member
entered (review marks, scores, justifications), the abnormally-low explanations, and the frozen
result. Every write goes through the unit of work and is an audit entry with actor and address.

Experts are referred to by their ``committee_members`` row (its pseudonym is what others see),
never by name.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

evaluations = Table(
    "evaluations",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("status", String(16), nullable=False),  # open | paused | complete | dissolved
    Column("rule_pack_id", String(64), nullable=False),
    Column("method", JSON, nullable=False),  # the [evaluation] table as it was at the start
    Column("coefficient", String(16), nullable=True),  # average_benchmark: the one drawn
    Column("opening_sha256", String(64), nullable=False),  # the record it was drawn from
    Column("started_at", UTCDateTime, nullable=False),
    Column("started_by", String(26), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("result", JSON, nullable=True),  # the ranked candidates per section, once complete
    Column("result_sha256", String(64), nullable=True),
    Column("completed_at", UTCDateTime, nullable=True),
)

# One pass/fail mark per member × bid × review item (a fail carries its reason).
evaluation_marks = Table(
    "evaluation_marks",
    metadata,
    Column("member_id", String(26), ForeignKey("committee_members.id"), primary_key=True),
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("marked_at", UTCDateTime, nullable=False),
)
Index("ix_evaluation_marks_tender", evaluation_marks.c.tender_id)

# One score per member × bid × subjective criterion, as decimal text (never a float).
evaluation_scores = Table(
    "evaluation_scores",
    metadata,
    Column("member_id", String(26), ForeignKey("committee_members.id"), primary_key=True),
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("criterion_id", String(64), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("score", String(16), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)
Index("ix_evaluation_scores_tender", evaluation_scores.c.tender_id)

# A member's reason for a score the deviation rule flagged.
evaluation_justifications = Table(
    "evaluation_justifications",
    metadata,
    Column("member_id", String(26), ForeignKey("committee_members.id"), primary_key=True),
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("criterion_id", String(64), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("justified_at", UTCDateTime, nullable=False),
)
Index("ix_evaluation_justifications_tender", evaluation_justifications.c.tender_id)

# An abnormally low bid: the committee's request for an explanation, the bidder's explanation
# as received, and the committee's decision (accepted; or rejected, with its reason).
evaluation_explanations = Table(
    "evaluation_explanations",
    metadata,
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("requested_by", String(26), ForeignKey("committee_members.id"), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("explanation", Text, nullable=True),
    Column("accepted", Boolean, nullable=True),
    Column("reason", Text, nullable=True),  # why it was rejected
    Column("decided_by", String(26), ForeignKey("committee_members.id"), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
)
Index("ix_evaluation_explanations_tender", evaluation_explanations.c.tender_id)

# A superseded evaluation round (重新评审): when a complaint decision orders the evaluation
# redone, everything of the round is moved here in the decision's transaction — the evaluation
# as frozen, the committee's sheets, the report with its signatures and refusals, and the
# objections to its result — so that the current tables hold only the round being run. The
# snapshot is kept as evidence (its SHA-256 is in the audit entry); signatures stay DER in
# base64, checkable offline against the report's canonical bytes kept beside them.
evaluation_rounds = Table(
    "evaluation_rounds",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("round", Integer, primary_key=True),  # 1: the first round, superseded first
    Column("committee_round", Integer, nullable=False),  # the committee draw that sat
    Column("evaluation", JSON, nullable=True),  # the evaluations row, None if never started
    Column("sheets", JSON, nullable=False),  # marks, scores, justifications, explanations
    Column("report", JSON, nullable=True),  # the report row, None if never drawn up
    Column("report_sha256", String(64), nullable=True),
    Column("signatures", JSON, nullable=False),
    Column("refusals", JSON, nullable=False),
    Column("objections", JSON, nullable=False),
    Column("snapshot_sha256", String(64), nullable=False),  # of the canonical snapshot
    Column("reason", Text, nullable=False),
    Column("complaint_id", String(26), nullable=True),  # the decision that superseded it
    Column("decision_sha256", String(64), nullable=True),
    Column("superseded_at", UTCDateTime, nullable=False),
    Column("superseded_by", String(26), nullable=True),
)

# A machine client the tender's committee let read the opened bids (evaluation-assistance
# hooks, docs/evaluation-assistance.md): granted and revoked by a sitting member, both audited.
evaluation_assistant_grants = Table(
    "evaluation_assistant_grants",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("client_id", String(26), nullable=False),
    Column("granted_by", String(26), nullable=False),  # committee_members.id
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_by", String(26), nullable=True),  # committee_members.id
    Column("revoked_at", UTCDateTime, nullable=True),
)
Index(
    "ix_evaluation_assistant_grants_tender",
    evaluation_assistant_grants.c.tender_id,
    evaluation_assistant_grants.c.client_id,
)
