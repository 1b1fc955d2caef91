"""Request dependencies: services, the acting user, and the route's declared action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from prex.bootstrap import Services
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action, Actor, authorize
from prex.identity.service import actor_for_secret
from prex.shared.errors import AuthenticationFailed

SESSION_COOKIE = "prex_session"
# The largest ``offset`` a paged list takes: the databases' integers are 64-bit, and nobody
# pages a million rows in (an offset past that is a 422, not an overflow in the driver).
MAX_OFFSET = 1_000_000
# Over TLS the cookie takes the ``__Host-`` prefix: browsers then accept it only with Secure,
# Path=/ and no Domain, so a sibling subdomain (or a plain-HTTP page) cannot plant or overwrite it.
HOST_SESSION_COOKIE = "__Host-prex_session"


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_address(request: HTTPConnection) -> str | None:
    return request.client.host if request.client else None


def session_secret(request: HTTPConnection) -> str | None:
    """The session cookie's secret, under whichever of its two names it was set."""
    return request.cookies.get(HOST_SESSION_COOKIE) or request.cookies.get(SESSION_COOKIE) or None


def _secret_from(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return session_secret(request)


def get_actor(request: Request, services: ServicesDep) -> Actor:
    """The signed-in user (bearer token or session cookie), or the anonymous public.

    A presented but invalid credential is an error for the API and simply anonymous for pages
    (an expired cookie should not break the public portal)."""
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    address = client_address(request)
    secret = _secret_from(request)
    actor = Actor(address=address)
    if secret:
        with services.read_session() as session:
            try:
                actor = actor_for_secret(session, secret, services.clock.now(), address)
            except AuthenticationFailed:
                if request.url.path.startswith("/api/") and request.headers.get("authorization"):
                    raise
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]


def connection_actor(connection: HTTPConnection, services: Services) -> Actor:
    """The actor of a WebSocket (session cookie or bearer token), or the anonymous public."""
    address = client_address(connection)
    secret = _secret_from(connection)
    if secret:
        with services.read_session() as session:
            try:
                return actor_for_secret(session, secret, services.clock.now(), address)
            except AuthenticationFailed:
                pass
    return Actor(address=address)


def get_uow(services: ServicesDep, actor: ActorDep) -> SqlUnitOfWork:
    return services.uow(actor)


UowDep = Annotated[SqlUnitOfWork, Depends(get_uow)]


def acts(action: Action) -> dict[str, Any]:
    """Declare a route's action: ``@router.get(..., openapi_extra=acts(Action.PUBLIC_READ))``.
    The policy-coverage test fails for any route without it."""
    return {"x-prex-action": action.value}


def require(action: Action) -> Callable[..., Actor]:
    """A dependency that refuses early when no role of the actor may perform ``action`` at all;
    services still check the object itself."""

    def dependency(actor: ActorDep) -> Actor:
        authorize(actor, action)
        return actor

    return dependency
