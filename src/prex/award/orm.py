"""Tables of the award context. Every write goes through the unit of work and is an audit
entry; signatures are kept as the DER the signer sent, so that anyone can check them again
offline against the canonical bytes (``prex.award.acts``) with ``prex sig verify``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

# The evaluation report (评标报告): canonical JSON and a PDF rendering of it, made when the
# evaluation is complete, then signed by every sitting member; published with the candidates.
evaluation_reports = Table(
    "evaluation_reports",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("report", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),  # of the canonical report: what experts sign
    Column("pdf_sha256", String(64), nullable=False),  # the rendering, in the blob store
    Column("created_at", UTCDateTime, nullable=False),
    Column("publicity_from", UTCDateTime, nullable=True),
    Column("publicity_until", UTCDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),  # candidates | failed, once published
)

# One signature per sitting member over the report's canonical bytes.
report_signatures = Table(
    "report_signatures",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("member_id", String(26), ForeignKey("committee_members.id"), primary_key=True),
    Column("signature", LargeBinary, nullable=False),  # detached CMS (or GB/T 35275), DER
    Column("scheme", String(32), nullable=False),
    Column("certificate_sha256", String(64), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    # A member who disagrees signs the report and states why (实施条例 第五十三条), signing the
    # dissent too (``prex.award.reporting.dissent_bytes``); the report then notes it.
    Column("dissent", Text, nullable=True),
    Column("dissent_signature", LargeBinary, nullable=True),
)

# A sitting member who will not sign and gives no written reason is deemed to agree with the
# result (实施条例 第五十三条); the centre records it so that the result can be published.
report_refusals = Table(
    "report_refusals",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("member_id", String(26), ForeignKey("committee_members.id"), primary_key=True),
    Column("note", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(26), nullable=True),
)

# An objection to the result (对评标结果的异议) raised by a bidder during publicity; the
# process is suspended while one is unanswered.
result_objections = Table(
    "result_objections",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("answer_due", UTCDateTime, nullable=False),
    Column("answer", Text, nullable=True),
    Column("answer_signature", LargeBinary, nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", String(26), nullable=True),
)
Index("ix_result_objections_tender", result_objections.c.tender_id)

# The award notice (中标通知书) per section: to whom, at what price, signed by the platform and
# timestamped.
award_notices = Table(
    "award_notices",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("section_id", String(26), primary_key=True),
    Column("bid_id", String(26), ForeignKey("bids.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("notice", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("signature", Text, nullable=False),  # base64 platform CMS over the canonical notice
    Column("timestamp", Text, nullable=False),  # base64 RFC 3161 token over the SHA-256
    Column("issued_at", UTCDateTime, nullable=False),
)

# The contract (合同) per section: recorded and signed by the tenderer, countersigned by the
# winner over the same canonical bytes.
contracts = Table(
    "contracts",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("section_id", String(26), primary_key=True),
    Column("contract", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("value", String(24), nullable=False),  # yuan, decimal text
    Column("signed_on", Date, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("late", Boolean, nullable=False),  # signed more than 30 days after the notice
    Column("buyer_signature", LargeBinary, nullable=False),
    Column("supplier_signature", LargeBinary, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("countersigned_at", UTCDateTime, nullable=True),
)
