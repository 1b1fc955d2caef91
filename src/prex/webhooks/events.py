"""Events of webhook subscriptions (``object_type`` ``webhook_subscription``): private, never
delivered by webhooks themselves (see :data:`prex.exchange.public_forms.PRIVATE_EVENTS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class WebhookSubscribed(DomainEvent):
    client_id: str
    url: str
    events: list[str]
    by: str | None


@dataclass(frozen=True)
class WebhookSubscriptionChanged(DomainEvent):
    changes: dict[str, Any]  # field → [before, after]
    by: str | None


@dataclass(frozen=True)
class WebhookRedeliveryRequested(DomainEvent):
    delivery_id: str
    outbox_seq: int
    by: str | None


@dataclass(frozen=True)
class WebhookUnsubscribed(DomainEvent):
    """The subscription is deleted, with its delivery log (``deliveries`` rows, pending ones
    never sent); the audit trail keeps what it was."""

    client_id: str
    url: str
    events: list[str]
    deliveries: int
    by: str | None
