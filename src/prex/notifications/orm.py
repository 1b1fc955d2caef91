"""Tables of the notifications context."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), nullable=False),
    Column("outbox_seq", BigInteger, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    Column("emailed_at", UTCDateTime, nullable=True),
    Column("email_error", Text, nullable=True),
)
Index("ix_notifications_user", notifications.c.user_id, notifications.c.created_at)
# One notification per user and outbox event, so a re-run of the notifier never duplicates.
Index(
    "uq_notifications_event_user", notifications.c.outbox_seq, notifications.c.user_id, unique=True
)
