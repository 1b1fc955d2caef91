"""Managing webhook subscriptions and reading their delivery log.

The platform administrator (every subscription) and a centre's operators (their centre's)
manage subscriptions on behalf of a machine client, named by its ``client_id``
(``webhook.manage``), and read the delivery log (``webhook.read``). A machine client acting as
itself, with the ``webhooks.manage`` scope, manages its own: the policy grants it the rows whose
``client_id`` is its own (:data:`prex.identity.policy.MACHINE_CLIENT`, scope ``CLIENT``), so
every check below is the same :func:`authorize` call for a user and a client, on a
:func:`resource` that names the owning client. Every change is audited with the actor (the
client id, for a client) and the network address, like every other state change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, func, insert, select, update

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
    WebhookUnsubscribed,
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


def resource(subscription: Subscription | None = None, *, client_id: str | None = None) -> Resource:
    """The policy's view of a subscription (or of a new one for ``client_id``)."""
    if subscription is None:
        return Resource(kind=OBJECT_TYPE, client_id=client_id)
    centre = subscription.centre_id or PLATFORM_WIDE
    return Resource(
        kind=OBJECT_TYPE,
        object_id=subscription.id,
        centre_id=centre,
        client_id=subscription.client_id,
    )


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


def load_subscriptions(
    session: Session, centre_ids: list[str] | None = None, client_id: str | None = None
) -> list[Subscription]:
    """Every subscription (or those of ``centre_ids``, of ``client_id``), oldest first."""
    query = select(subscriptions).order_by(subscriptions.c.id)
    if centre_ids is not None:
        query = query.where(subscriptions.c.centre_id.in_(centre_ids))
    if client_id is not None:
        query = query.where(subscriptions.c.client_id == client_id)
    return [_of(r) for r in session.execute(query).all()]


def _get(session: Session, subscription_id: str, *, lock: bool = False) -> Subscription:
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}", subscription=subscription_id)
    return _of(row)


@dataclass(frozen=True)
class Subscribe:
    client_id: str | None  # None: the calling machine client itself
    url: str
    events: list[str]
    description: str = ""
    active: bool = True


def _require_live_client(uow: SqlUnitOfWork, client_id: str) -> str | None:
    """A subscription belongs to a registered machine client (prex.integrations) that is not
    revoked: deliveries are for someone who can be held to account and switched off. Returns
    the client's centre."""
    live = uow.session.execute(
        select(integration_clients.c.centre_id).where(
            integration_clients.c.client_id == client_id,
            integration_clients.c.revoked_at.is_(None),
        )
    ).first()
    if live is None:
        raise InvalidInput(
            f"no registered, unrevoked machine client '{client_id}' (prex integrations register)",
            field="client_id",
        )
    return None if live.centre_id is None else str(live.centre_id)


def _acting_as_client(actor: Actor) -> bool:
    return actor.client_id is not None and not actor.authenticated


def subscribe(uow: SqlUnitOfWork, cmd: Subscribe) -> Subscription:
    """Make a subscription for a machine client; it receives the changes committed after it.

    A client acting as itself may leave ``client_id`` out (it is then its own) and may name no
    other client's (the policy refuses); its subscription belongs to the client's centre, so
    that centre's operators see it too."""
    actor = uow.actor
    named = cmd.client_id if cmd.client_id is not None else actor.client_id
    if named is None:
        raise InvalidInput("name the machine client that receives", field="client_id")
    client_id = check_client_id(named)
    authorize(actor, Action.WEBHOOK_MANAGE, resource(client_id=client_id))
    url, events = check_url(cmd.url), check_events(cmd.events)
    with uow:
        client_centre = _require_live_client(uow, client_id)
        now = uow.clock.now()
        subscription = Subscription(
            id=new_id(),
            client_id=client_id,
            centre_id=client_centre if _acting_as_client(actor) else actor.centre_id,
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


def unsubscribe(uow: SqlUnitOfWork, subscription_id: str) -> None:
    """Delete a subscription and its delivery log: what was pending is never sent. (To stop for
    a while and keep the queue, pause it instead.)"""
    with uow:
        current = _get(uow.session, subscription_id, lock=True)
        authorize(uow.actor, Action.WEBHOOK_MANAGE, resource(current))
        dropped = cast(
            CursorResult[Any],
            uow.session.execute(
                delete(deliveries).where(deliveries.c.subscription_id == subscription_id)
            ),
        ).rowcount
        uow.session.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))
        uow.record(
            WebhookUnsubscribed(
                OBJECT_TYPE,
                subscription_id,
                uow.clock.now(),
                current.client_id,
                current.url,
                list(current.events),
                int(dropped or 0),
                uow.actor.user_id,
            )
        )
        uow.commit()


def list_subscriptions(session: Session, actor: Actor) -> list[Subscription]:
    """What ``actor`` may see: all (administrator), its centre's (operator), its own (client)."""
    authorize(actor, Action.WEBHOOK_READ)  # the kind; the query narrows to what it may see
    scope = widest_scope(actor, Action.WEBHOOK_READ)
    if scope is Scope.ANY:
        return load_subscriptions(session)
    if scope is Scope.CLIENT:
        return load_subscriptions(session, client_id=actor.client_id or "")
    return load_subscriptions(session, [actor.centre_id or ""])


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
