"""The trust list as a page (CA互认): public, and the operator's tools on the same page — add
CA certificates from a file, suspend, re-activate or withdraw a CA with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from prex.identity.policy import Action, is_allowed
from prex.pki.service import add_cas, set_ca_status
from prex.pki.trust import ALL_PURPOSES
from prex.shared.errors import DomainError, InvalidInput
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.pages.common import Problem, gate, problem_of, see_other
from prex.web.pages.render import render
from prex.web.uploads import read_certificate_file

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    problem: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entries = sorted(
        services.pki.trust_list().entries,
        key=lambda e: (e.certificate.issuer_text, not e.is_root, e.certificate.subject_text),
    )
    return render(
        request,
        "trust_list.html",
        status_code=status_code,
        entries=entries,
        purposes=[p.value for p in ALL_PURPOSES],
        may_manage=is_allowed(actor, Action.CA_MANAGE),
        problem=problem,
    )


@router.get("/cas", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ))
def trust_list(request: Request, services: ServicesDep, actor: ActorDep) -> HTMLResponse:
    """Every CA whose certificates this platform accepts, its status and what for."""
    return _page(request, services, actor)


@router.post("/cas", response_class=HTMLResponse, openapi_extra=acts(Action.CA_MANAGE))
async def add_ca(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[UploadFile | None, File()] = None,
    purposes: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    profile: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    refused = gate(request, actor, Action.CA_MANAGE, back_to="/cas")
    if refused is not None:
        return refused
    try:
        if file is None:
            raise InvalidInput("choose a certificate file", field="file")
        data = await read_certificate_file(services, file)
        rules = [r for r in profile.replace(",", " ").split() if r]
        add_cas(uow, data, purposes=purposes, profile=rules, label=label[:200])
    except DomainError as exc:
        problem = problem_of(exc, request, form="add-ca")
        return _page(request, services, actor, problem, status_code=exc.status)
    return see_other("/cas?done=ca_added")


@router.post(
    "/cas/{ca_id}/status", response_class=HTMLResponse, openapi_extra=acts(Action.CA_MANAGE)
)
def change_status(
    request: Request,
    ca_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    refused = gate(request, actor, Action.CA_MANAGE, back_to="/cas")
    if refused is not None:
        return refused
    try:
        set_ca_status(uow, ca_id, status, reason[:500])
    except DomainError as exc:
        problem = problem_of(exc, request, form=f"status-{ca_id}")
        return _page(request, services, actor, problem, status_code=exc.status)
    return see_other("/cas?done=ca_status")
