"""Tables of federation: the sources this centre subscribes to, what it received from them,
and one search index over every compiled record here, local or federated.

Federated releases get tables of their own rather than rows in ``ocds_releases``: that table's
positions are this centre's publication order (its public feed pages by them) and
``ocds_records`` is keyed by ocid alone, so two centres using the same ocid would be compiled
into one process. Here every key starts with the source's code.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

federation_sources = Table(
    "federation_sources",
    metadata,
    Column("code", String(32), primary_key=True),  # the source centre's code (publisher.uid)
    Column("name", String(200), nullable=False),
    Column("kind", String(8), nullable=False),  # prex | ocds | files | import
    Column("url", Text, nullable=False),  # what was subscribed to ('' for imports)
    Column("cursor", Text, nullable=True),  # where the next pull starts (see pull.py)
    Column("status", String(16), nullable=False),  # SourceStatus
    Column("last_error", Text, nullable=True),
    Column("attempts", Integer, nullable=False),  # failures in a row
    Column("next_pull_at", UTCDateTime, nullable=False),
    Column("last_pulled_at", UTCDateTime, nullable=True),
    Column("added_at", UTCDateTime, nullable=False),
    Column("releases", BigInteger, nullable=False),  # stored releases
    Column("invalid", BigInteger, nullable=False),  # of which with validation errors
    Column("rejected", BigInteger, nullable=False),  # unusable (no id, ocid or date): not stored
    Column("records", BigInteger, nullable=False),  # compiled processes
)

federated_releases = Table(
    "federated_releases",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("ocid", String(200), primary_key=True),
    Column("release_id", String(200), primary_key=True),
    Column("position", BigInteger, nullable=False),  # arrival order within the source
    Column("date", String(64), nullable=False),  # as published (the merge orders by it)
    Column("tags", JSON, nullable=False),
    Column("findings", JSON(none_as_null=True), nullable=True),  # errors; NULL when valid
    Column("received_at", UTCDateTime, nullable=False),
    Column("release", JSON, nullable=False),
)
Index(
    "uq_federated_releases_position",
    federated_releases.c.source,
    federated_releases.c.position,
    unique=True,
)

federated_records = Table(
    "federated_records",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("ocid", String(200), primary_key=True),
    Column("compiled", JSON, nullable=False),
    Column("release_count", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

ocds_index = Table(
    "ocds_index",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("ocid", String(200), primary_key=True),
    Column("local", Integer, nullable=False),  # 1: this centre's own record, 0: federated
    Column("title", Text, nullable=False),
    Column("buyer", Text, nullable=False),
    Column("category", String(32), nullable=False),  # tender.mainProcurementCategory
    Column("stage", String(32), nullable=False),  # the newest tag: tender, award, contract …
    Column("amount", String(40), nullable=True),  # the tender value, as published
    Column("currency", String(3), nullable=True),
    Column("date", UTCDateTime, nullable=True),  # the newest release's date
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_ocds_index_date", ocds_index.c.date, ocds_index.c.source, ocds_index.c.ocid)
