"""Tables of OCDS releases and records.

``position`` orders releases as they were published here (the public feed pages by it);
``source`` names the centre whose data it is: this centre's platform code for prex's own
releases, another code for federated data later.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table

from prex.db.base import metadata
from prex.db.types import UTCDateTime

ocds_releases = Table(
    "ocds_releases",
    metadata,
    Column("id", String(200), primary_key=True),  # <ocid>-<outbox seq>: unique and stable
    Column("ocid", String(120), nullable=False),
    Column("position", BigInteger, nullable=False),  # publication order, 1, 2, 3 …
    Column("date", UTCDateTime, nullable=False),  # the event's time (the release's ``date``)
    Column("tags", JSON, nullable=False),
    Column("source", String(32), nullable=False),
    Column("outbox_seq", BigInteger, nullable=True),  # the event it came from (local data)
    Column("published_at", UTCDateTime, nullable=False),  # when it entered this store
    Column("release", JSON, nullable=False),
)
Index("uq_ocds_releases_position", ocds_releases.c.position, unique=True)
Index("ix_ocds_releases_ocid", ocds_releases.c.ocid, ocds_releases.c.position)

ocds_records = Table(
    "ocds_records",
    metadata,
    Column("ocid", String(120), primary_key=True),
    Column("source", String(32), nullable=False),
    Column("compiled", JSON, nullable=False),  # the compiled release
    Column("release_count", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=False),  # the newest release compiled in
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_ocds_records_updated", ocds_records.c.updated_at, ocds_records.c.ocid)
