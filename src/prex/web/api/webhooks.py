"""HTTP API of webhooks: subscriptions for machine clients, their delivery log, redelivery, and
the certificates a receiver verifies deliveries with.

``GET /webhooks/certificates`` is public: the platform CA (the trust anchor for ``openssl cms
-verify -CAfile``) and the signing certificate. Subscriptions are managed by the administrator
and a centre's operators (``webhook.manage``) who read the log with ``webhook.read``, and by a
machine client acting as itself with the ``webhooks.manage`` scope — its own only, the policy
decides (prex.identity.policy.MACHINE_CLIENT) on the same routes.
How a receiver checks a delivery: docs/webhooks.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from prex.exchange.public_forms import PUBLIC_EVENTS
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.webhooks import service
from prex.webhooks.model import ALL_EVENTS

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class SubscriptionCreate(BaseModel):
    client_id: str | None = Field(
        default=None,
        max_length=64,
        description="the machine client that receives (a client calling for itself: itself)",
    )
    url: str = Field(max_length=2000, description="http(s) URL the deliveries are POSTed to")
    events: list[str] = Field(
        max_length=200, description=f"public event types, or ['{ALL_EVENTS}'] for all of them"
    )
    description: str = Field(default="", max_length=200)
    active: bool = True


class SubscriptionChange(BaseModel):
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = Field(default=None, description="false pauses the subscription")


@router.get(
    "/certificates",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}},
    openapi_extra=acts(Action.PUBLIC_READ),
)
def certificates(services: ServicesDep) -> PlainTextResponse:
    """The platform's signing certificate and the platform CA (PEM): ``-CAfile`` for ``openssl
    cms -verify`` (the signature carries both, so the CA alone suffices as the trust anchor)."""
    keys = services.pki.platform_keys()
    return PlainTextResponse(
        keys.signing_certificate.pem() + keys.ca_certificate.pem(),
        media_type="application/x-pem-file",
    )


@router.get("/events", openapi_extra=acts(Action.PUBLIC_READ))
def event_types() -> dict[str, Any]:
    """The event types a subscription may name (the public ones) and the form each changes."""
    return {"events": {name: p.form for name, p in sorted(PUBLIC_EVENTS.items())}}


@router.post(
    "/subscriptions",
    status_code=201,
    openapi_extra=acts(Action.WEBHOOK_MANAGE),
    dependencies=[Depends(require(Action.WEBHOOK_MANAGE))],
)
def subscribe(body: SubscriptionCreate, uow: UowDep) -> dict[str, Any]:
    """Subscribe a machine client to public event types; it receives changes from now on. A
    client with ``webhooks.manage`` subscribes itself (``client_id`` left out or its own)."""
    cmd = service.Subscribe(
        client_id=body.client_id,
        url=body.url,
        events=body.events,
        description=body.description,
        active=body.active,
    )
    return service.subscribe(uow, cmd).to_json()


@router.get(
    "/subscriptions",
    openapi_extra=acts(Action.WEBHOOK_READ),
    dependencies=[Depends(require(Action.WEBHOOK_READ))],
)
def list_subscriptions(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Every subscription (an operator: its centre's; a client: its own), oldest first."""
    with services.read_session() as session:
        found = service.list_subscriptions(session, actor)
    return {"subscriptions": [s.to_json() for s in found]}


@router.get(
    "/subscriptions/{subscription_id}",
    openapi_extra=acts(Action.WEBHOOK_READ),
    dependencies=[Depends(require(Action.WEBHOOK_READ))],
)
def read_subscription(
    subscription_id: str, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    with services.read_session() as session:
        return service.read_subscription(session, actor, subscription_id).to_json()


@router.patch(
    "/subscriptions/{subscription_id}",
    openapi_extra=acts(Action.WEBHOOK_MANAGE),
    dependencies=[Depends(require(Action.WEBHOOK_MANAGE))],
)
def change_subscription(
    subscription_id: str, body: SubscriptionChange, uow: UowDep
) -> dict[str, Any]:
    """Change the URL, the event types or the description; pause or resume."""
    return service.change_subscription(
        uow,
        subscription_id,
        url=body.url,
        events=body.events,
        active=body.active,
        description=body.description,
    ).to_json()


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    openapi_extra=acts(Action.WEBHOOK_MANAGE),
    dependencies=[Depends(require(Action.WEBHOOK_MANAGE))],
)
def unsubscribe(subscription_id: str, uow: UowDep) -> None:
    """Delete the subscription and its delivery log (pending deliveries are dropped)."""
    service.unsubscribe(uow, subscription_id)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    openapi_extra=acts(Action.WEBHOOK_READ),
    dependencies=[Depends(require(Action.WEBHOOK_READ))],
)
def deliveries(
    subscription_id: str,
    services: ServicesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(description="pending, delivered or expired")] = None,
    after: Annotated[int, Query(ge=0, description="outbox seq to read after")] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LOG)] = 100,
) -> dict[str, Any]:
    """The delivery log in outbox order: status, attempts, last error, response code."""
    with services.read_session() as session:
        return service.delivery_log(
            session,
            actor,
            subscription_id,
            platform_code=services.settings.platform_code,
            status=status,
            after=after,
            limit=limit,
        )


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    openapi_extra=acts(Action.WEBHOOK_MANAGE),
    dependencies=[Depends(require(Action.WEBHOOK_MANAGE))],
)
def redeliver(delivery_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Send a delivery again (same id, same body, a new timestamp and signature) with the next
    worker pass, before the subscription's later pending deliveries."""
    return service.redeliver(uow, delivery_id, services.settings.platform_code)
