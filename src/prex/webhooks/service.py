"""Managing webhook subscriptions and reading their delivery log.

For now the platform administrator (every subscription) and a centre's operators (their
centre's) manage subscriptions on behalf of a machine client, named by its ``client_id``
(``webhook.manage``), and read the delivery log (``webhook.read``). Every change is audited with
the actor and the network address, like every other state change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action, Resource, Scope, authorize, widest_scope
from prex.integrations.orm import integration_clients
from prex.shared.clock import ensure_utc
from prex.shared.errors import InvalidInput, NotFound
from prex.shared.ids import new_id
from prex.webhooks.events import (
    WebhookRedeliveryRequested,
    WebhookSubscribed,
    WebhookSubscriptionChanged,
)
from prex.webhooks.model import (
    DeliveryStatus,
    Subscription,
    check_client_id,
    check_events,
    check_url,
    message_id,
)
from prex.webhooks.orm import webhook_deliveries as deliveries
from prex.webhooks.orm import webhook_subscriptions as subscriptions

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from prex.identity.policy import Actor

OBJECT_TYPE = "webhook_subscription"
PLATFORM_WIDE = "-"
"""The centre of a subscription the administrator made outside any centre: no operator's."""
MAX_LOG = 500


def resource(subscription: Subscription | None = None) -> Resource:
    if subscription is None:
        return Resource(kind=OBJECT_TYPE)
    centre = subscription.centre_id or PLATFORM_WIDE
    return Resource(kind=OBJECT_TYPE, object_id=subscription.id, centre_id=centre)


def _of(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        client_id=row.client_id,
        centre_id=row.centre_id,
        url=row.url,
        events=tuple(row.events),
        active=bool(row.active),
        description=row.description,
        created_at=ensure_utc(row.created_at),
        created_by=row.created_by,
        updated_at=ensure_utc(row.updated_at),
    )


def load_subscriptions(session: Session, centre_ids: list[str] | None = None) -> list[Subscription]:
    """Every subscription (or those of ``centre_ids``), oldest first."""
    query = select(subscriptions).order_by(subscriptions.c.id)
    if centre_ids is not None:
        query = query.where(subscriptions.c.centre_id.in_(centre_ids))
    return [_of(r) for r in session.execute(query).all()]


def _get(session: Session, subscription_id: str, *, lock: bool = False) -> Subscription:
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}", subscription=subscription_id)
    return _of(row)


@dataclass(frozen=True)
class Subscribe:
    client_id: str
    url: str
    events: list[str]
    description: str = ""
    active: bool = True


def _require_live_client(uow: SqlUnitOfWork, client_id: str) -> None:
    """A subscription belongs to a registered machine client (prex.integrations) that is not
    revoked: deliveries are for someone who can be held to account and switched off."""
    live = uow.session.execute(
        select(integration_clients.c.client_id).where(
            integration_clients.c.client_id == client_id,
            integration_clients.c.revoked_at.is_(None),
        )
    ).first()
    if live is None:
        raise InvalidInput(
            f"no registered, unrevoked machine client '{client_id}' (prex integrations register)",
            field="client_id",
        )


def subscribe(uow: SqlUnitOfWork, cmd: Subscribe) -> Subscription:
    """Make a subscription for a machine client; it receives the changes committed after it."""
    actor = uow.actor
    authorize(actor, Action.WEBHOOK_MANAGE, resource())
    client_id, url, events = (
        check_client_id(cmd.client_id),
        check_url(cmd.url),
        check_events(cmd.events),
    )
    with uow:
        _require_live_client(uow, client_id)
        now = uow.clock.now()
        subscription = Subscription(
            id=new_id(),
            client_id=client_id,
            centre_id=actor.centre_id,
            url=url,
            events=events,
            active=cmd.active,
            description=cmd.description.strip()[:200],
            created_at=now,
            created_by=actor.user_id,
            updated_at=now,
        )
        values = subscription.to_json() | {
            "events": list(events),
            "created_at": now,
            "updated_at": now,
            "created_by": actor.user_id,
        }
        uow.session.execute(insert(subscriptions).values(**values))
        uow.record(
            WebhookSubscribed(
                OBJECT_TYPE, subscription.id, now, client_id, url, list(events), actor.user_id
            )
        )
        uow.commit()
    return subscription


def change_subscription(
    uow: SqlUnitOfWork,
    subscription_id: str,
    *,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> Subscription:
    """Change the target, the event types, the description or pause/resume (``active``). A paused
    subscription keeps its queued deliveries; it receives nothing new while paused."""
    with uow:
        current = _get(uow.session, subscription_id, lock=True)
        authorize(uow.actor, Action.WEBHOOK_MANAGE, resource(current))
        wanted: dict[str, Any] = {}
        if url is not None:
            wanted["url"] = check_url(url)
        if events is not None:
            wanted["events"] = list(check_events(events))
        if active is not None:
            wanted["active"] = active
        if description is not None:
            wanted["description"] = description.strip()[:200]
        before = current.to_json()
        changes = {k: [before[k], v] for k, v in wanted.items() if before[k] != v}
        if not changes:
            return current
        now = uow.clock.now()
        uow.session.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(**{k: v for k, v in wanted.items() if k in changes}, updated_at=now)
        )
        uow.record(
            WebhookSubscriptionChanged(
                OBJECT_TYPE, subscription_id, now, changes, uow.actor.user_id
            )
        )
        uow.commit()
        return _get(uow.session, subscription_id)


def _centres(actor: Actor, action: Action) -> list[str] | None:
    return None if widest_scope(actor, action) is Scope.ANY else [actor.centre_id or ""]


def list_subscriptions(session: Session, actor: Actor) -> list[Subscription]:
    authorize(actor, Action.WEBHOOK_READ, resource())
    return load_subscriptions(session, _centres(actor, Action.WEBHOOK_READ))


def read_subscription(session: Session, actor: Actor, subscription_id: str) -> Subscription:
    found = _get(session, subscription_id)
    authorize(actor, Action.WEBHOOK_READ, resource(found))
    return found


def delivery_json(row: Any, platform_code: str) -> dict[str, Any]:
    """One delivery as its log shows it: its own id (for redelivery) beside the message id the
    receiver saw in ``Prex-Webhook-Id``."""

    def moment(value: Any) -> str | None:
        return None if value is None else ensure_utc(value).isoformat()

    return {
        "id": row.id,
        "message_id": message_id(platform_code, int(row.seq)),
        "subscription_id": row.subscription_id,
        "seq": int(row.seq),
        "event": row.event,
        "status": row.status,
        "attempts": int(row.attempts),
        "created_at": moment(row.created_at),
        "next_attempt_at": moment(row.next_attempt_at) if row.status == "pending" else None,
        "last_attempt_at": moment(row.last_attempt_at),
        "delivered_at": moment(row.delivered_at),
        "response_code": row.response_code,
        "last_error": row.last_error,
    }


def delivery_log(
    session: Session,
    actor: Actor,
    subscription_id: str,
    *,
    platform_code: str,
    status: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """A subscription's deliveries in outbox order after ``after`` (an outbox seq), with counts."""
    read_subscription(session, actor, subscription_id)
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        raise InvalidInput("status is pending, delivered or expired", field="status")
    if not 1 <= limit <= MAX_LOG:
        raise InvalidInput(f"limit is 1…{MAX_LOG}", field="limit")
    query = (
        select(deliveries)
        .where(deliveries.c.subscription_id == subscription_id, deliveries.c.seq > after)
        .order_by(deliveries.c.seq)
        .limit(limit)
    )
    if status is not None:
        query = query.where(deliveries.c.status == status)
    counts: dict[str, int] = dict(
        session.execute(
            select(deliveries.c.status, func.count())
            .where(deliveries.c.subscription_id == subscription_id)
            .group_by(deliveries.c.status)
        ).all()
    )
    return {
        "deliveries": [delivery_json(r, platform_code) for r in session.execute(query).all()],
        "counts": {s.value: int(counts.get(s.value, 0)) for s in DeliveryStatus},
    }


def redeliver(uow: SqlUnitOfWork, delivery_id: str, platform_code: str) -> dict[str, Any]:
    """Queue a delivery again (delivered or expired alike), with the same id and body, due now.
    It goes out before the subscription's later pending deliveries (it is older than them)."""
    with uow:
        row = uow.session.execute(
            select(deliveries).where(deliveries.c.id == delivery_id).with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no webhook delivery {delivery_id}", delivery=delivery_id)
        subscription = _get(uow.session, row.subscription_id)
        authorize(uow.actor, Action.WEBHOOK_MANAGE, resource(subscription))
        now = uow.clock.now()
        uow.session.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
        uow.record(
            WebhookRedeliveryRequested(
                OBJECT_TYPE, subscription.id, now, delivery_id, int(row.seq), uow.actor.user_id
            )
        )
        uow.commit()
        updated = uow.session.execute(
            select(deliveries).where(deliveries.c.id == delivery_id)
        ).one()
        return delivery_json(updated, platform_code)
