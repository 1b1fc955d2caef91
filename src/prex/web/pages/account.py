"""Signing in and out of the portal, and the signed-in user's notifications.

A session is a random secret in an HttpOnly, SameSite=Lax cookie (``Secure`` and named with
the ``__Host-`` prefix when the deployment says so or the request came over TLS); only its
SHA-256 is stored. Every sign-in issues a new secret and revokes the one presented before (no
session fixation); signing out revokes it on the server. SameSite=Lax keeps the cookie off
cross-site form posts; the Fetch Metadata/Origin check of prex.web.security refuses them
outright (docs/decisions/0016-csrf.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from prex.identity import service as identity
from prex.identity.lockout import LoginLimits, SignInThrottled
from prex.identity.orm import users
from prex.identity.policy import Action
from prex.notifications.service import notifications_for
from prex.shared.errors import AuthenticationFailed, DomainError, InvalidInput
from prex.shared.phones import normalise_mobile
from prex.web.deps import (
    HOST_SESSION_COOKIE,
    SESSION_COOKIE,
    ActorDep,
    ServicesDep,
    UowDep,
    acts,
    session_secret,
)
from prex.web.i18n import N_, translations
from prex.web.pages.common import Problem, gate, problem_of, safe_next, see_other, to_sign_in
from prex.web.pages.forms import FieldError, text
from prex.web.pages.render import locale_of, render

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    *,
    username: str = "",
    next_url: str | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "login.html",
        status_code,
        username=username,
        next_url=safe_next(next_url) or "",
        problem=problem,
        page_url="/login",
    )


@router.get("/login", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_LOGIN))
def login_form(request: Request, actor: ActorDep, next: str = "") -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    if actor.authenticated:
        return see_other(safe_next(next) or "/workbench")
    return _login_page(request, next_url=next)


@router.post("/login", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_LOGIN))
def login(
    request: Request,
    services: ServicesDep,
    uow: UowDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password, set the session cookie, go to the workbench (or where the visitor
    was going). A refusal shows the form again (401) and sets no cookie."""
    try:
        name = text(username, "username", required=True, max_length=64)
        if not password:
            text(password, "password", required=True)
        credential = identity.sign_in(
            uow,
            username=name,
            password=password[:256],
            kind="session",
            lifetime=timedelta(hours=services.settings.session_hours),
            label="web",
            limits=LoginLimits.from_settings(services.settings),
        )
    except DomainError as exc:
        problem = problem_of(exc, request, form="login")
        if isinstance(exc, SignInThrottled):
            gettext = translations(locale_of(request)).gettext
            problem = Problem(
                heading=N_("Too many failed sign-ins"),
                form="login",
                message=gettext(
                    "Signing in with this name or from this address is paused. "
                    "Try again in %(minutes)s minutes or ask the centre to unlock the account."
                )
                % {"minutes": max(1, -(-int(exc.context["retry_after"]) // 60))},
            )
        if isinstance(exc, AuthenticationFailed):
            gettext = translations(locale_of(request)).gettext
            problem = Problem(
                heading=N_("Sign-in failed"),
                form="login",
                message=gettext("Wrong user name or password."),
            )
        page = _login_page(
            request, username=username[:64], next_url=next, problem=problem, status_code=exc.status
        )
        if isinstance(exc, SignInThrottled):
            page.headers["Retry-After"] = str(exc.context["retry_after"])
        return page
    return start_session(request, services, uow, credential, next)


def start_session(
    request: Request,
    services: ServicesDep,
    uow: UowDep,
    credential: identity.Credential,
    next_url: str | None,
) -> Response:
    """Set the session cookie of a fresh sign-in (password or certificate) and go on."""
    previous = session_secret(request)
    if previous:  # whatever session was presented (anyone's, or planted) ends here
        identity.sign_out(services.uow(uow.actor), previous)
    response = see_other(safe_next(next_url) or "/workbench")
    name, secure = session_cookie(request, services)
    response.set_cookie(
        name,
        credential.secret,
        max_age=services.settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    if name != SESSION_COOKIE and request.cookies.get(SESSION_COOKIE):
        _forget(response, SESSION_COOKIE, secure=False)
    return response


def session_cookie(request: Request, services: ServicesDep) -> tuple[str, bool]:
    """The session cookie's name and Secure flag: Secure (and ``__Host-``) when the deployment
    says so or this request came over TLS (directly or from a trusted proxy)."""
    secure = services.settings.cookie_secure or request.url.scheme == "https"
    return (HOST_SESSION_COOKIE if secure else SESSION_COOKIE), secure


def _forget(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)


@router.post("/logout", openapi_extra=acts(Action.SESSION_LOGOUT))
def logout(
    request: Request, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> RedirectResponse:
    """Revoke the session and forget the cookie. Without a live session there is nothing to
    sign out of: the visitor is sent to sign in (and a stale cookie is dropped)."""
    secret = session_secret(request)
    if actor.authenticated:
        if secret:
            identity.sign_out(uow, secret)
        response = see_other("/?done=signed_out")
    else:
        response = to_sign_in(request, "/")
    _forget(response, SESSION_COOKIE, secure=services.settings.cookie_secure)
    _forget(response, HOST_SESSION_COOKIE, secure=True)
    return response


def _local_link(link: Any) -> str | None:
    """Notifications link to pages of this site only."""
    return str(link) if safe_next(str(link or "")) else None


@router.get("/notifications", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_READ))
def notifications_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """The signed-in user's notifications, newest first."""
    refusal = gate(request, actor, Action.SESSION_READ)
    if refusal is not None or actor.user_id is None:
        return refusal or to_sign_in(request)
    return _notifications(request, services, actor)


def _notifications(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    problem: Problem | None = None,
    status_code: int = 200,
    mobile_typed: str | None = None,
) -> Response:
    assert actor.user_id is not None
    with services.read_session() as session:
        rows = notifications_for(session, actor.user_id)
        mobile = session.execute(
            select(users.c.mobile).where(users.c.id == actor.user_id)
        ).scalar_one_or_none()
    items = [
        {
            "subject": row["subject"],
            "body": row["body"],
            "created_at": row["created_at"],
            "link": _local_link(row["link"]),
        }
        for row in rows
    ]
    return render(
        request,
        "notifications.html",
        status_code,
        items=items,
        mobile=mobile_typed if mobile_typed is not None else (mobile or ""),
        problem=problem,
    )


@router.post(
    "/notifications/mobile", response_class=HTMLResponse, openapi_extra=acts(Action.ACCOUNT_EDIT)
)
def save_mobile(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    mobile: Annotated[str, Form()] = "",
) -> Response:
    """The signed-in user sets (or, left empty, removes) the mobile number text messages go
    to; a wrong number shows the form again with the reason (422)."""
    refusal = gate(request, actor, Action.ACCOUNT_EDIT, back_to="/notifications")
    if refusal is not None or actor.user_id is None:
        return refusal or to_sign_in(request)
    try:
        if mobile.strip():
            try:
                normalise_mobile(mobile[:64])
            except InvalidInput:
                raise FieldError(
                    "mobile",
                    N_(
                        "%(field)s is not a mainland mobile number: 11 digits starting 13 to "
                        "19, optionally after +86."
                    ),
                ) from None
        identity.set_mobile(uow, mobile[:64])
    except DomainError as exc:
        problem = problem_of(exc, request, form="mobile")
        return _notifications(request, services, actor, problem, exc.status, mobile[:64])
    return see_other("/notifications?done=mobile_saved")
