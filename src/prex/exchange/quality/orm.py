"""Tables of data-quality scoring.

``quality_records`` has one row per record version judged (the same key as
``upstream_records``; this centre's own pushes use its PLATFORM_CODE), ``quality_deals`` one per
deal with its coverage and life-cycle counts and when it must be looked at again,
``quality_findings`` every finding with the record (or the deal) it is about, and
``quality_totals`` the sums per (centre, transaction type, Beijing day) that the ranking reads.
A record is judged once: the worker picks the record versions that have no ``quality_records``
row yet, so the table itself is the consumer's position.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
FindingId = BigInteger().with_variant(Integer(), "sqlite")

quality_records = Table(
    "quality_records",
    metadata,
    Column("platform_code", String(40), primary_key=True),
    Column("dataset", String(32), primary_key=True),
    Column("record_key", String(200), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("deal_code", String(33), nullable=False),
    Column("txn_type", String(16), nullable=False),
    Column("day", String(10), nullable=False),  # Beijing day of arrival
    Column("received_at", UTCDateTime, nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("fields_expected", Integer, nullable=False),
    Column("fields_filled", Integer, nullable=False),
    Column("delay_seconds", Integer, nullable=True),
    Column("points", Integer, nullable=True),  # timeliness 0–1000; null: no event dated
)
Index("ix_quality_records_bucket", quality_records.c.platform_code, quality_records.c.day)

quality_deals = Table(
    "quality_deals",
    metadata,
    Column("platform_code", String(40), primary_key=True),
    Column("deal_code", String(33), primary_key=True),
    Column("txn_type", String(16), nullable=False),
    Column("day", String(10), nullable=False),  # Beijing day its first record arrived
    Column("datasets_expected", Integer, nullable=False),
    Column("datasets_present", Integer, nullable=False),
    Column("milestones_met", Integer, nullable=False),
    Column("milestones_overdue", Integer, nullable=False),
    Column("next_check", UTCDateTime, nullable=True),
)
Index("ix_quality_deals_next_check", quality_deals.c.next_check)

quality_findings = Table(
    "quality_findings",
    metadata,
    Column("id", FindingId, primary_key=True, autoincrement=True),
    Column("platform_code", String(40), nullable=False),
    Column("deal_code", String(33), nullable=False),
    Column("txn_type", String(16), nullable=False),
    Column("day", String(10), nullable=False),
    Column("dataset", String(32), nullable=False),
    Column("record_key", String(200), nullable=False),  # the deal code for a deal's findings
    Column("version", Integer, nullable=True),  # null: a finding about the whole deal
    Column("dimension", String(16), nullable=False),
    Column("code", String(40), nullable=False),
    Column("field", String(64), nullable=True),
    Column("message", Text, nullable=False),
)
Index(
    "ix_quality_findings_drill",
    quality_findings.c.platform_code,
    quality_findings.c.dimension,
    quality_findings.c.day,
)
Index("ix_quality_findings_deal", quality_findings.c.platform_code, quality_findings.c.deal_code)

quality_totals = Table(
    "quality_totals",
    metadata,
    Column("platform_code", String(40), primary_key=True),
    Column("txn_type", String(16), primary_key=True),
    Column("day", String(10), primary_key=True),
    *(
        Column(name, BigInteger, nullable=False)
        for name in (
            "records",
            "valid",
            "fields_expected",
            "fields_filled",
            "timed",
            "points",
            "deals",
            "datasets_expected",
            "datasets_present",
            "milestones_met",
            "milestones_overdue",
        )
    ),
)
