"""What a subscription is, and what it may receive.

A subscription names public event types only (:data:`~prex.exchange.public_forms.PUBLIC_EVENTS`,
or ``*`` for all of them): what the anonymous public may read anyway, so an outside client sees
nothing through a webhook that it could not read from the change feed. Private events (sealed
bids, custodians' shares, the committee before the result …) need scopes that say what a client
may see; until machine clients carry such scopes they cannot be subscribed to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from prex.exchange.public_forms import PUBLIC_EVENTS
from prex.shared.errors import InvalidInput

ALL_EVENTS = "*"
MAX_URL = 2000


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued, or failing and waiting out its back-off
    DELIVERED = "delivered"  # the receiver answered 2xx
    EXPIRED = "expired"  # still failing after ``webhook_max_age_hours``: given up


@dataclass(frozen=True)
class Subscription:
    id: str
    client_id: str
    centre_id: str | None
    url: str
    events: tuple[str, ...]
    active: bool
    description: str
    created_at: datetime
    created_by: str | None
    updated_at: datetime

    def wants(self, event: str) -> bool:
        return self.active and (ALL_EVENTS in self.events or event in self.events)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "centre_id": self.centre_id,
            "url": self.url,
            "events": list(self.events),
            "active": self.active,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host, without credentials or a fragment."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("the target URL must be an absolute http or https URL", field="url")
    if parts.username or parts.password or parts.fragment or len(url) > MAX_URL:
        raise InvalidInput(
            "the target URL may carry neither credentials nor a fragment", field="url"
        )
    return url


def check_events(events: list[str]) -> tuple[str, ...]:
    """The event types, each public (or ``*``), without repeats, in the order given."""
    if not events:
        raise InvalidInput("name at least one event type (or '*')", field="events")
    unknown = [e for e in events if e != ALL_EVENTS and e not in PUBLIC_EVENTS]
    if unknown:
        raise InvalidInput(
            "only public event types may be subscribed to",
            field="events",
            unknown=unknown,
            public=sorted(PUBLIC_EVENTS),
        )
    return tuple(dict.fromkeys(events))


def check_client_id(client_id: str) -> str:
    client_id = client_id.strip()
    if not 1 <= len(client_id) <= 64:
        raise InvalidInput("client_id is 1 to 64 characters", field="client_id")
    return client_id


def message_id(platform_code: str, seq: int) -> str:
    """The ``Prex-Webhook-Id`` of an event: ``{platform code}-{outbox seq}`` — unique across
    federated platforms, the same for every subscriber and on every attempt (the Standard
    Webhooks convention: a message id, not a delivery id)."""
    return f"{platform_code}-{seq}"
