"""Tables of the audit trail and the outbox.

``audit_head`` holds the last sequence number and hash; a writer locks it (``FOR UPDATE`` on
PostgreSQL, the database write lock on SQLite) so that entries and outbox rows get gap-free
sequence numbers in commit order and the chain never forks.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table

from prex.db.base import metadata
from prex.db.types import UTCDateTime

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", String(64), nullable=True),
    Column("actor_label", String(200), nullable=False),
    Column("address", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_object", audit_log.c.object_type, audit_log.c.object_id)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("event", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("actor_id", String(64), nullable=True),
    Column("payload", JSON, nullable=False),
)

# How far each consumer (notifier, feed pushers, webhooks …) has read the outbox.
outbox_cursors = Table(
    "outbox_cursors",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)
