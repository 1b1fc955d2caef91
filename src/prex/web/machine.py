"""The gate every API call of a machine client passes (a dependency of the /api/v1 router).

A bearer token with the integrations prefix is resolved here, before the route's own
dependencies: the client's rate budget is spent (429 with ``Retry-After``), the route's declared
action must lie within the token's scopes (403 naming the scope), and a call carrying
``Prex-On-Behalf-Of: <organisation id>`` needs that organisation's valid signed consent. The
resulting :class:`~prex.identity.policy.Actor` (with ``client_id``) is left on
``request.state.actor``, where :func:`prex.web.deps.get_actor` finds it; the policy table then
decides as for any other actor, and every audit entry of the call carries the client id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from prex.bootstrap import Services
from prex.identity.policy import Action, Actor
from prex.integrations.errors import RateLimited, ScopeRequired
from prex.integrations.model import TOKEN_PREFIX, RateLimiter, scopes_for
from prex.integrations.service import (
    MachineCaller,
    caller_for_token,
    machine_actor,
    record_call,
)
from prex.shared.errors import DomainError
from prex.web.deps import client_address

ON_BEHALF_HEADER = "Prex-On-Behalf-Of"


def route_action(request: HTTPConnection) -> Action | None:
    """The action the matched route declares (``acts(...)``), if any."""
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    value = extra.get("x-prex-action")
    return Action(value) if value else None


def machine_token(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        if token.startswith(TOKEN_PREFIX):
            return token
    return None


def machine_gate(request: HTTPConnection) -> None:
    """Authenticate a machine client's call, limit its rate, check its scopes and consent.
    (An ``HTTPConnection``, not a ``Request``: the router's WebSocket routes pass here too.)"""
    token = machine_token(request)
    if token is None:
        return
    services: Services = request.app.state.services
    now = services.clock.now()
    with services.read_session() as session:
        caller = caller_for_token(session, token, now)
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.retry_after(caller.client_id, caller.rate_per_minute, caller.burst)
    if wait:
        raise RateLimited(caller.client_id, wait)
    action = route_action(request)
    on_behalf_of = request.headers.get(ON_BEHALF_HEADER) or None
    address = client_address(request)
    outcome = "admitted"
    try:
        with services.read_session() as session:
            request.state.actor = _admit(session, caller, action, on_behalf_of, address, now)
    except DomainError as exc:
        outcome = exc.slug
        raise
    finally:
        record_call(
            services,
            caller,
            method=str(request.scope.get("method", "WEBSOCKET")),
            path=request.url.path,
            action=None if action is None else action.value,
            on_behalf_of=on_behalf_of,
            address=address,
            outcome=outcome,
        )


def _admit(
    session: Session,
    caller: MachineCaller,
    action: Action | None,
    on_behalf_of: str | None,
    address: str | None,
    now: datetime,
) -> Actor:
    """The call's actor, once its scopes (and consent, when acting for someone) allow it."""
    needed = scopes_for(action) if action is not None else []
    held = [s for s in needed if s in caller.scopes]
    if action is not None and not held:
        raise ScopeRequired(
            f"client {caller.client_id} lacks scope '{needed[0]}' for '{action}'"
            if needed
            else f"no client scope grants '{action}'",
            scope=needed[0] if needed else None,
            client_id=caller.client_id,
            action=str(action),
        )
    return machine_actor(
        session,
        caller,
        address=address,
        now=now,
        on_behalf_of=on_behalf_of,
        scope=held[0] if held else None,
    )
