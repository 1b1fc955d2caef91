"""Tables of the guarantees context: one row per guarantee request, from the request to its
release or claim. The signed document and notices are kept byte for byte so that anyone can
verify them again offline (``openssl cms -verify``, ``prex sig verify``)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime, Yuan

guarantees = Table(
    "guarantees",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("section_id", String(26), nullable=False),
    Column("applicant_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("provider", String(64), nullable=True),  # an installed provider's entry point name
    Column("guarantor_org_id", String(26), ForeignKey("organisations.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("application", JSON, nullable=False),  # Application.to_json()
    Column("amount", Yuan, nullable=False),  # applied for
    Column("cap", Yuan, nullable=False),  # 2 % of the section's estimated price
    Column("requested_by", String(26), ForeignKey("users.id"), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("refusal", Text, nullable=True),
    # The accepted document, as signed.
    Column("document", LargeBinary, nullable=True),
    Column("signature", LargeBinary, nullable=True),
    Column("document_sha256", String(64), nullable=True),
    Column("guarantor_uscc", String(18), nullable=True),
    Column("guarantor_name", Text, nullable=True),
    Column("guarantee_number", String(100), nullable=True),
    Column("bond_id", String(26), nullable=True),
    Column("accepted_at", UTCDateTime, nullable=True),
    # The outcome: the platform-signed notice, then the provider's receipt.
    Column("outcome_kind", String(8), nullable=True),  # release | claim
    Column("outcome_reason", String(40), nullable=True),
    Column("notice", LargeBinary, nullable=True),
    Column("notice_signature", LargeBinary, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
    Column("receipt", JSON, nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
)
Index("ix_guarantees_tender", guarantees.c.tender_id, guarantees.c.section_id)
Index("ix_guarantees_guarantor", guarantees.c.guarantor_org_id, guarantees.c.status)
Index("ix_guarantees_status", guarantees.c.status)
# A guarantor never uses one number twice (the ``number`` check; the index settles races).
Index(
    "uq_guarantees_number", guarantees.c.guarantor_uscc, guarantees.c.guarantee_number, unique=True
)
