"""The table of credit records. ``version`` guards against two supervisors changing one record
at once; ``(source, source_id, subject_kind, subject_id)`` is unique so that a record derived
from a case, a complaint decision or an expert's behaviour is made once whatever retries."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

credit_records = Table(
    "credit_records",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", String(16), nullable=False),  # violation | blacklist | reward | performance
    Column("subject_kind", String(16), nullable=False),  # organisation | expert
    Column("subject_id", String(26), nullable=False),
    Column("subject_code", String(18), nullable=True),  # the organisation's USCC
    Column("subject_name", String(200), nullable=False),
    Column("centre_id", String(26), nullable=False),  # the issuing centre
    Column("authority", String(200), nullable=False),
    Column("basis", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("scope", String(20), nullable=False),
    Column("scope_value", String(64), nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),  # inclusive; None: until revoked
    Column("points", Integer, nullable=False),
    Column("grade", String(16), nullable=True),
    Column("source", String(16), nullable=False),
    Column("source_id", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("recorded_by", String(26), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoke_reason", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)
Index(
    "ix_credit_records_subject",
    credit_records.c.subject_kind,
    credit_records.c.subject_id,
    credit_records.c.kind,
)
Index("ix_credit_records_public", credit_records.c.status, credit_records.c.published_at)
Index(
    "uq_credit_records_source",
    credit_records.c.source,
    credit_records.c.source_id,
    credit_records.c.subject_kind,
    credit_records.c.subject_id,
    unique=True,
)
