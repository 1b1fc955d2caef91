"""The archives table: one row per archive file (the bytes are in the blob store by SHA-256).

A row is ``pending`` from the moment the worker sees the transaction end until the file is
built (a crash in between leaves it pending, and the next pass builds it). Expired archives are
*marked* by the sweep (``expired_at``), never deleted: destroying evidence is a decision for
people, under the archive law's appraisal procedure, not for a timer.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

archives = Table(
    "archives",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), nullable=False),
    Column("deal_code", String(33), nullable=False),
    Column("title", String(300), nullable=False),
    Column("centre_id", String(26), nullable=False),
    Column("tenderer_org_id", String(26), nullable=False),
    Column("agency_org_id", String(26), nullable=True),
    Column("ending", String(16), nullable=False),  # complete | failed | cancelled
    Column("status", String(16), nullable=False),  # pending | built
    Column("requested_at", UTCDateTime, nullable=False),
    Column("sha256", String(64), nullable=True),  # of the whole file
    Column("size", BigInteger, nullable=True),
    Column("members", Integer, nullable=True),
    Column("built_at", UTCDateTime, nullable=True),
    Column("retain_until", Date, nullable=True),
    Column("expired_at", UTCDateTime, nullable=True),  # marked by the sweep; kept all the same
    Column("last_error", Text, nullable=True),  # why the last build attempt failed
)
Index("ix_archives_tender", archives.c.tender_id)
Index("ix_archives_centre", archives.c.centre_id, archives.c.built_at)
