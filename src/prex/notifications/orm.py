"""Tables of the notifications context."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text

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

# What each notification channel did with each notification: sent, failed (with the reason),
# not configured (the channel is off on this server) or no address (the user has none for it).
notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("notification_id", String(26), ForeignKey("notifications.id"), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # sent | failed | not_configured | no_address
    Column("detail", Text, nullable=True),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_notification_deliveries_channel", notification_deliveries.c.channel)
