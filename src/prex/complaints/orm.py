"""Tables of the complaints context. Every write goes through the unit of work and is an audit
entry; a signature is kept as the DER the signer sent, so that anyone can check it again offline
against the act's canonical bytes (``prex.complaints.service``) with ``prex sig verify``."""

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

# A supplier's challenge (质疑) to the purchaser of a procurement tender, and the answer.
challenges = Table(
    "challenges",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("filed_by", String(26), nullable=True),
    Column("subject", String(16), nullable=False),
    Column("known_on", Date, nullable=False),
    Column("known_note", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("evidence", JSON, nullable=False),  # [{filename, sha256, size, media_type}]
    Column("signature", LargeBinary, nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("answer_due", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("answer", Text, nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", String(26), nullable=True),
    Column("answer_late", Boolean, nullable=False),
)
Index("ix_challenges_tender", challenges.c.tender_id)

# A complaint (投诉) to the supervising department; its decision is signed by the department.
complaints = Table(
    "complaints",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("centre_id", String(26), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("filed_by", String(26), nullable=True),
    Column("challenge_id", String(26), ForeignKey("challenges.id"), nullable=True),
    Column("subject", String(16), nullable=False),
    Column("known_on", Date, nullable=False),
    Column("known_note", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("evidence", JSON, nullable=False),  # [{filename, sha256, size, media_type}]
    Column("signature", LargeBinary, nullable=False),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("acceptance_due", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decision_due", Date, nullable=True),
    Column("refusal", Text, nullable=True),
    Column("decision", JSON, nullable=True),  # the signed decision document, once decided
    Column("decision_sha256", String(64), nullable=True),
    Column("decision_signature", LargeBinary, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    # Each step (filed, accepted, suspended, resumed, decided …) with its time and actor: what
    # the parties see; the audit log holds the same with the chain that proves it.
    Column("steps", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_complaints_tender", complaints.c.tender_id)
Index("ix_complaints_centre_status", complaints.c.centre_id, complaints.c.status)
