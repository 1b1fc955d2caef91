"""HTTP API of registered integrations: the OAuth 2.0 token endpoint (client credentials,
RFC 6749 §4.4), client management for the administrator and centre operators, and bidders'
signed consents that let a client act for them (docs/integration.md).

The token endpoint answers in RFC 6749's own format (§5.1 success, §5.2 errors: ``error``,
``error_description``), built with Authlib's error classes and Basic-credential parser; Authlib's
server classes assume a framework integration FastAPI does not have, so the grant's steps are
written out here to the RFC with those primitives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread
from authlib.oauth2.rfc6749 import errors as oauth
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from prex.bootstrap import Services
from prex.identity.policy import Action, Actor
from prex.integrations import service
from prex.integrations.model import SCOPE_DESCRIPTIONS, scopes_for
from prex.shared.errors import AuthenticationFailed, InvalidInput
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["integrations"])
_ID = Field(min_length=26, max_length=26)


def _oauth_error(error: oauth.OAuth2Error) -> JSONResponse:
    return JSONResponse(
        dict(error.get_body()), status_code=error.status_code, headers=dict(error.get_headers())
    )


class OAuthToken(BaseModel):
    """RFC 6749 §5.1: the access token answer."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    """RFC 6749 §5.2: the token endpoint's errors (not problem documents, by the RFC)."""

    error: str
    error_description: str | None = None


_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": OAuthError, "description": f"RFC 6749 §5.2 error ({status})"}
    for status in (400, 401)
}


@router.post(
    "/oauth/token",
    openapi_extra=acts(Action.SESSION_LOGIN),
    responses={200: {"model": OAuthToken}, **_OAUTH_ERRORS},
)
async def token(request: Request, services: ServicesDep, actor: ActorDep) -> JSONResponse:
    """Client credentials grant: ``grant_type=client_credentials`` (form-encoded), the client
    authenticated by HTTP Basic or by ``client_id``/``client_secret`` in the body, optional
    ``scope`` (space-separated, within the client's). Answers ``access_token`` (opaque),
    ``token_type`` Bearer, ``expires_in`` and ``scope``; errors as RFC 6749 §5.2."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    grant = fields.get("grant_type")
    if not grant:
        return _oauth_error(oauth.InvalidRequestError(description="grant_type is missing"))
    if grant != "client_credentials":
        error = oauth.UnsupportedGrantTypeError(grant[:40])
        error.description = f"grant_type '{grant[:40]}' is not supported; use client_credentials"
        return _oauth_error(error)
    basic = extract_basic_authorization(request.headers)
    in_body = fields.get("client_id"), fields.get("client_secret")
    if basic[0] and (in_body[0] or in_body[1]):
        return _oauth_error(
            oauth.InvalidRequestError(description="use one client authentication method only")
        )
    client_id, secret = basic if basic[0] else in_body
    if not client_id or not secret:
        return _oauth_error(
            oauth.InvalidClientError(
                description="client authentication is missing", status_code=401
            )
        )
    # Hashing and the database block: off the event loop, like the synchronous routes.
    outcome = await anyio.to_thread.run_sync(
        _grant, services, actor, client_id, secret, scope_to_list(fields.get("scope"))
    )
    if isinstance(outcome, oauth.OAuth2Error):
        return _oauth_error(outcome)
    issued = outcome
    return JSONResponse(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes),
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _grant(
    services: Services, actor: Actor, client_id: str, secret: str, scopes: list[str] | None
) -> service.AccessToken | oauth.OAuth2Error:
    try:
        client, secret_id = service.authenticate_client(services.uow(actor), client_id, secret)
    except AuthenticationFailed:
        return oauth.InvalidClientError(description="client authentication failed", status_code=401)
    try:
        return service.issue_token(services.uow(actor), client, secret_id, scopes)
    except InvalidInput as exc:
        return oauth.InvalidScopeError(description=exc.message)


@router.get("/oauth/scopes", openapi_extra=acts(Action.PUBLIC_READ))
def scope_table() -> list[dict[str, Any]]:
    """Every scope a client can hold, what it is for and which policy actions it admits."""
    return [
        {
            "scope": scope,
            "description": text,
            "actions": sorted(a.value for a in Action if scope in scopes_for(a)),
        }
        for scope, text in SCOPE_DESCRIPTIONS.items()
    ]


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    org_id: str = _ID
    scopes: list[str] = Field(min_length=1, max_length=10)
    rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    burst: int = Field(default=20, ge=1, le=10_000)


def _secret_out(issued: service.IssuedSecret) -> dict[str, str]:
    return {
        "client_id": issued.client_id,
        "secret_id": issued.secret_id,
        "client_secret": issued.secret,
    }


@router.post(
    "/integrations",
    status_code=201,
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def register(body: ClientIn, uow: UowDep) -> dict[str, str]:
    """Register a machine client; the answer holds its first secret, shown this once."""
    return _secret_out(
        service.register_client(
            uow,
            name=body.name,
            org_id=body.org_id,
            scopes=body.scopes,
            rate_per_minute=body.rate_per_minute,
            burst=body.burst,
        )
    )


@router.get(
    "/integrations",
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def list_clients(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    return service.list_clients(services, actor)


@router.post(
    "/integrations/{client_id}/secrets",
    status_code=201,
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def rotate(client_id: str, uow: UowDep) -> dict[str, str]:
    """Add the successor secret (key rotation); the old one keeps working until revoked."""
    return _secret_out(service.rotate_secret(uow, client_id))


@router.delete(
    "/integrations/{client_id}/secrets/{secret_id}",
    status_code=204,
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def revoke_secret(client_id: str, secret_id: str, uow: UowDep) -> None:
    service.revoke_secret(uow, client_id, secret_id)


@router.get(
    "/integrations/{client_id}/calls",
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def calls(client_id: str, services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The client's latest 100 API calls, newest first: reads included, refusals with their
    problem slug (calls over the rate limit are not logged)."""
    return service.calls_of(services, actor, client_id)


@router.delete(
    "/integrations/{client_id}",
    status_code=204,
    openapi_extra=acts(Action.INTEGRATION_MANAGE),
    dependencies=[Depends(require(Action.INTEGRATION_MANAGE))],
)
def revoke_client(client_id: str, uow: UowDep) -> None:
    service.revoke_client(uow, client_id)


class ConsentTerms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = _ID
    scopes: list[str] = Field(min_length=1, max_length=10)
    valid_until: datetime


class ConsentIn(ConsentTerms):
    signature: str = Field(min_length=16, max_length=90000)


@router.post(
    "/consents/to-sign",
    openapi_extra=acts(Action.CONSENT_GRANT),
    dependencies=[Depends(require(Action.CONSENT_GRANT))],
)
def consent_to_sign(body: ConsentTerms, services: ServicesDep, actor: ActorDep) -> dict[str, str]:
    """The exact bytes (canonical JSON) the organisation signs with its certificate."""
    data = service.consent_to_sign(services, actor, body.client_id, body.scopes, body.valid_until)
    return {"to_sign": data.decode()}


@router.post(
    "/consents",
    status_code=201,
    openapi_extra=acts(Action.CONSENT_GRANT),
    dependencies=[Depends(require(Action.CONSENT_GRANT))],
)
def grant(body: ConsentIn, uow: UowDep, services: ServicesDep) -> dict[str, str]:
    """Record the organisation's consent, signed (detached CMS, base64) over the to-sign bytes."""
    consent_id = service.grant_consent(
        uow,
        services,
        client_id=body.client_id,
        scopes=body.scopes,
        valid_until=body.valid_until,
        signature=body.signature,
    )
    return {"id": consent_id}


@router.get(
    "/consents",
    openapi_extra=acts(Action.CONSENT_GRANT),
    dependencies=[Depends(require(Action.CONSENT_GRANT))],
)
def my_consents(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    return service.list_consents(services, actor)


@router.delete(
    "/consents/{consent_id}",
    status_code=204,
    openapi_extra=acts(Action.CONSENT_GRANT),
    dependencies=[Depends(require(Action.CONSENT_GRANT))],
)
def revoke_consent(consent_id: str, uow: UowDep) -> None:
    service.revoke_consent(uow, consent_id)
