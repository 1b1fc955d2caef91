"""Tables of webhooks: subscriptions, the signed bodies of events fanned out, and deliveries.

``webhook_events`` holds one body per public outbox change that some subscription wanted: the
exact bytes every subscriber receives (and that the signature covers, after the id and the
timestamp), so a redelivery sends what was sent before. ``webhook_deliveries`` is one row per
(subscription, event): its queue entry while pending, its log line afterwards.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(26), primary_key=True),
    # The machine client that owns the subscription (its OAuth ``client_id``); no foreign key
    # here: the clients' table belongs to the integration context.
    Column("client_id", String(64), nullable=False),
    Column("centre_id", String(26), nullable=True),  # the managing centre; None: platform-wide
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),  # public event type names, or ["*"]
    Column("active", Boolean, nullable=False),
    Column("description", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_webhook_subscriptions_client", webhook_subscriptions.c.client_id)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),  # the outbox seq
    Column("event", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),  # when the change was committed
    Column("body", Text, nullable=False),  # canonical JSON, sent byte for byte
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(26), primary_key=True),  # Prex-Webhook-Id: the same on every attempt
    Column("subscription_id", String(26), ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("seq", BigInteger, ForeignKey("webhook_events.seq"), nullable=False),
    Column("event", String(64), nullable=False),
    # pending → delivered | expired; a manual redelivery puts it back to pending
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("response_code", Integer, nullable=True),
    Column("last_error", String(500), nullable=True),
    UniqueConstraint("subscription_id", "seq", name="uq_webhook_deliveries_subscription_seq"),
)
Index(
    "ix_webhook_deliveries_queue",
    webhook_deliveries.c.status,
    webhook_deliveries.c.subscription_id,
    webhook_deliveries.c.seq,
)
