"""Certificates on the web: a user's bound certificates (bind, unbind) and signing in with a
certificate. The browser never holds the key: the page shows the challenge text, the holder
signs it with the CA's signing tool or OpenSSL and pastes certificate and signature back —
the same challenge–response as the API (docs/trust-a-ca.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from prex.identity.lockout import LoginLimits, SignInThrottled
from prex.identity.policy import Action
from prex.pki import login
from prex.shared.errors import DomainError, InvalidInput
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.i18n import N_, translations
from prex.web.pages.account import start_session
from prex.web.pages.common import Problem, gate, problem_of, safe_next, see_other
from prex.web.pages.render import locale_of, render
from prex.web.uploads import certificate_text

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


def _challenge(uow: UowDep, services: ServicesDep, purpose: str) -> login.Challenge:
    return login.issue_challenge(
        uow,
        purpose,
        lifetime=timedelta(seconds=services.settings.challenge_seconds),
        platform_code=services.settings.platform_code,
    )


def _proof(
    challenge_id: str, certificate: str, signature: str, algorithm: str
) -> login.SignedChallenge:
    if not challenge_id:
        raise InvalidInput("ask for a challenge first", field="challenge_id")
    if not certificate.strip():
        raise InvalidInput("paste the certificate", field="certificate")
    if not signature.strip():
        raise InvalidInput("paste the signature", field="signature")
    return login.SignedChallenge(
        challenge_id=challenge_id[:26],
        certificate=certificate[:200_000],
        signature=signature[:4096],
        algorithm=algorithm[:32],
    )


def _mine(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    *,
    challenge: login.Challenge | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assert actor.user_id is not None
    with services.read_session() as session:
        bindings = login.bindings_of(session, actor.user_id)
    return render(
        request,
        "certificates.html",
        status_code=status_code,
        bindings=bindings,
        challenge=challenge,
        algorithms=sorted(login.SCHEMES),
        problem=problem,
    )


@router.get("/certificates", response_class=HTMLResponse, openapi_extra=acts(Action.CERT_BIND))
def my_certificates(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """The certificates bound to the signed-in account."""
    refused = gate(request, actor, Action.CERT_BIND)
    return refused or _mine(request, services, actor)


@router.post(
    "/certificates/challenge", response_class=HTMLResponse, openapi_extra=acts(Action.CERT_BIND)
)
def bind_challenge(
    request: Request, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    refused = gate(request, actor, Action.CERT_BIND, back_to="/certificates")
    if refused is not None:
        return refused
    return _mine(request, services, actor, challenge=_challenge(uow, services, "bind"))


@router.post("/certificates", response_class=HTMLResponse, openapi_extra=acts(Action.CERT_BIND))
def bind(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    challenge_id: Text = "",
    certificate: Text = "",
    signature: Text = "",
    algorithm: Text = "",
) -> Response:
    refused = gate(request, actor, Action.CERT_BIND, back_to="/certificates")
    if refused is not None:
        return refused
    try:
        proof = _proof(challenge_id, certificate, signature, algorithm)
        certificate_text(services, proof.certificate, "certificate")  # the upload checks
        login.bind_certificate(
            uow,
            services.pki,
            proof,
            platform_code=services.settings.platform_code,
            secret=services.settings.secret_key,
        )
    except DomainError as exc:
        problem = problem_of(exc, request, form="bind")
        return _mine(request, services, actor, problem=problem, status_code=exc.status)
    return see_other("/certificates?done=cert_bound")


@router.post(
    "/certificates/{binding_id}/unbind",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CERT_BIND),
)
def unbind(
    request: Request, binding_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    refused = gate(request, actor, Action.CERT_BIND, back_to="/certificates")
    if refused is not None:
        return refused
    try:
        login.unbind_certificate(uow, binding_id)
    except DomainError as exc:
        problem = problem_of(exc, request)
        return _mine(request, services, actor, problem=problem, status_code=exc.status)
    return see_other("/certificates?done=cert_unbound")


def _login_page(
    request: Request,
    *,
    challenge: login.Challenge | None = None,
    problem: Problem | None = None,
    next_url: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "certificate_login.html",
        status_code=status_code,
        challenge=challenge,
        algorithms=sorted(login.SCHEMES),
        problem=problem,
        next_url=safe_next(next_url) or "",
    )


@router.get(
    "/login/certificate", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_LOGIN)
)
def certificate_login_form(request: Request, actor: ActorDep, next: str = "") -> Response:
    if actor.authenticated:
        return see_other(safe_next(next) or "/workbench")
    return _login_page(request, next_url=next)


@router.post(
    "/login/certificate/challenge",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.SESSION_LOGIN),
)
def login_challenge(
    request: Request, services: ServicesDep, uow: UowDep, next: Text = ""
) -> Response:
    return _login_page(request, challenge=_challenge(uow, services, "login"), next_url=next)


@router.post(
    "/login/certificate", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_LOGIN)
)
def certificate_login(
    request: Request,
    services: ServicesDep,
    uow: UowDep,
    challenge_id: Text = "",
    certificate: Text = "",
    signature: Text = "",
    algorithm: Text = "",
    next: Text = "",
) -> Response:
    try:
        credential = login.login_with_certificate(
            uow,
            services.pki,
            _proof(challenge_id, certificate, signature, algorithm),
            platform_code=services.settings.platform_code,
            kind="session",
            lifetime=timedelta(hours=services.settings.session_hours),
            limits=LoginLimits.from_settings(services.settings),
        )
    except DomainError as exc:
        problem = problem_of(exc, request, form="certificate-login")
        if isinstance(exc, SignInThrottled):
            gettext = translations(locale_of(request)).gettext
            retry_after = int(exc.context["retry_after"])
            problem = Problem(
                heading=N_("Too many failed sign-ins"),
                form="certificate-login",
                message=gettext(
                    "Signing in with this certificate or from this address is paused. "
                    "Try again in %(minutes)s minutes or ask the centre for help."
                )
                % {"minutes": max(1, -(-retry_after // 60))},
            )
        page = _login_page(request, problem=problem, next_url=next, status_code=exc.status)
        if isinstance(exc, SignInThrottled):
            page.headers["Retry-After"] = str(exc.context["retry_after"])
        return page
    return start_session(request, services, services.uow(uow.actor), credential, next)
