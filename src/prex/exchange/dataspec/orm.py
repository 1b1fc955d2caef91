"""Tables of the data-spec exchange: what this centre pushes upstream, and what it receives.

Outbound: ``dataspec_versions`` remembers the last version queued of every record (and the hash
of its content, so a rebuilt record that did not change is not queued again);
``dataspec_push_queue`` holds the records to POST, in order, with their idempotency keys and
their back-off. ``dataspec_listing_codes`` gives each listing the unified deal code it lacks.

Inbound (an instance acting as the province): ``upstream_platforms`` are the platforms allowed
to push here, ``upstream_records`` what they pushed and this instance accepted.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
QueueId = BigInteger().with_variant(Integer(), "sqlite")

dataspec_versions = Table(
    "dataspec_versions",
    metadata,
    Column("dataset", String(32), primary_key=True),
    Column("record_key", String(200), primary_key=True),
    Column("deal_code", String(33), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_sha256", String(64), nullable=False),  # without DATA_TIMESTAMP
)

dataspec_push_queue = Table(
    "dataspec_push_queue",
    metadata,
    Column("id", QueueId, primary_key=True, autoincrement=True),  # the push order
    Column("deal_code", String(33), nullable=False),
    Column("dataset", String(32), nullable=False),
    Column("record_key", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("idempotency_key", String(260), nullable=False, unique=True),
    Column("record", JSON, nullable=False),
    Column("outbox_seq", BigInteger, nullable=False),  # the event that produced it
    Column("queued_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),  # accepted | duplicate | refused
    Column("refusal", String(32), nullable=True),  # the upstream's error code
)
Index("ix_dataspec_push_queue_pending", dataspec_push_queue.c.sent_at, dataspec_push_queue.c.id)

dataspec_listing_codes = Table(
    "dataspec_listing_codes",
    metadata,
    Column("listing_id", String(26), primary_key=True),
    Column("deal_code", String(33), nullable=False, unique=True),
)

upstream_platforms = Table(
    "upstream_platforms",
    metadata,
    Column("code", String(40), primary_key=True),  # its PLATFORM_CODE
    Column("name", String(200), nullable=False),
    Column("credit_code", String(18), nullable=False),
    Column("certificate_sha256", String(64), nullable=False),
    Column("certificate", LargeBinary, nullable=False),  # DER
    Column("active", Boolean, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

upstream_records = Table(
    "upstream_records",
    metadata,
    Column("platform_code", String(40), primary_key=True),
    Column("dataset", String(32), primary_key=True),
    Column("record_key", String(200), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("deal_code", String(33), nullable=False),
    Column("idempotency_key", String(260), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("record", JSON, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)
Index(
    "uq_upstream_records_idempotency",
    upstream_records.c.platform_code,
    upstream_records.c.idempotency_key,
    unique=True,
)
