"""Tables of supervision cases: the case, its notes and its evidence (a file in the blob store
by SHA-256, or a red-flag hit by id). ``version`` guards against two supervisors deciding the
same case at once."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

cases = Table(
    "cases",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("centre_id", String(26), nullable=True),
    Column("title", String(300), nullable=False),
    Column("tender_id", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("opened_by", String(26), nullable=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("status_changed_at", UTCDateTime, nullable=False),
    Column("decision_reason", Text, nullable=True),
    Column("version", Integer, nullable=False),
)
Index("ix_cases_centre", cases.c.centre_id, cases.c.status)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("case_id", String(26), nullable=False),
    Column("author_id", String(26), nullable=True),
    Column("author_label", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_case_notes_case", case_notes.c.case_id, case_notes.c.at)

case_evidence = Table(
    "case_evidence",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("case_id", String(26), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("added_by", String(26), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("hit_id", String(26), nullable=True),
    Column("filename", String(255), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("media_type", String(100), nullable=True),
)
Index("ix_case_evidence_case", case_evidence.c.case_id, case_evidence.c.at)
