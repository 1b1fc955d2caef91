"""Complaint pages: the supervisor's list of open complaints and one complaint's page, where
the supervisor accepts or refuses it, suspends or resumes the tender, and decides — the written
decision is prepared, its canonical bytes shown for the supervisor's signing tool (``prex sig
sign`` or a USB key), and the signature pasted back. The parties read the same page without the
forms; anyone else is told it does not exist (the policy table decides, ``COMPLAINT_READ``)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from prex.complaints import service
from prex.complaints.model import Outcome, Remedy
from prex.identity.policy import Action, Actor, is_allowed
from prex.shared.errors import DomainError, InvalidInput
from prex.tenders.service import get_tender_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.pages.common import Problem, gate, organisation_names, problem_of, see_other
from prex.web.pages.render import render

router = APIRouter(include_in_schema=False)

DecisionField = Annotated[str, Form()]


@router.get("/complaints", response_class=HTMLResponse, openapi_extra=acts(Action.COMPLAINT_HANDLE))
def complaints_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """The supervisor's worklist: its centre's open complaints, oldest first, with due days."""
    refused = gate(request, actor, Action.COMPLAINT_HANDLE)
    if refused is not None:
        return refused
    return render(request, "complaints.html", items=service.open_for_centre(services, actor))


def _page(
    request: Request,
    services: Any,
    actor: Actor,
    complaint_id: str,
    *,
    problem: Problem | None = None,
    prepared: dict[str, Any] | None = None,
) -> Response:
    view = service.complaint_of(services, actor, complaint_id)
    tender = get_tender_for(services.uow(actor), view["tender_id"])
    handle = is_allowed(
        actor, Action.COMPLAINT_HANDLE, service.complaint_resource(tender, view["org_id"])
    )
    parties = sorted(tender.party_org_ids | {view["org_id"]})
    return render(
        request,
        "complaint.html",
        422 if problem else 200,
        c=view,
        handle=handle,
        parties=organisation_names(services, set(parties)),
        outcomes=[o.value for o in Outcome],
        remedies=[r.value for r in Remedy],
        problem=problem,
        prepared=prepared,
    )


@router.get(
    "/complaints/{complaint_id}",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_READ),
)
def complaint_page(
    request: Request, complaint_id: str, services: ServicesDep, actor: ActorDep
) -> Response:
    """One complaint: what was complained of and the evidence, every step, the decision."""
    refused = gate(request, actor, Action.COMPLAINT_READ)
    if refused is not None:
        return refused
    return _page(request, services, actor, complaint_id)


def _act(
    request: Request,
    services: Any,
    actor: Actor,
    complaint_id: str,
    act: Callable[[], object],
    form: str,
    done: str,
    action: Action = Action.COMPLAINT_HANDLE,
) -> Response:
    refused = gate(request, actor, action, f"/complaints/{complaint_id}")
    if refused is not None:
        return refused
    try:
        act()
    except DomainError as exc:
        return _page(request, services, actor, complaint_id, problem=problem_of(exc, request, form))
    return see_other(f"/complaints/{complaint_id}?done={done}")


@router.post(
    "/complaints/{complaint_id}/accept",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def accept_page(
    request: Request, complaint_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    return _act(
        request,
        services,
        actor,
        complaint_id,
        lambda: service.accept_complaint(uow, services, complaint_id),
        "accept",
        "complaint_accepted",
    )


@router.post(
    "/complaints/{complaint_id}/refuse",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def refuse_page(
    request: Request,
    complaint_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        services,
        actor,
        complaint_id,
        lambda: service.refuse_complaint(uow, services, complaint_id, reason),
        "refuse",
        "complaint_refused",
    )


@router.post(
    "/complaints/{complaint_id}/suspend",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def suspend_page(
    request: Request,
    complaint_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        services,
        actor,
        complaint_id,
        lambda: service.suspend_tender(uow, services, complaint_id, reason),
        "suspend",
        "tender_suspended",
    )


@router.post(
    "/complaints/{complaint_id}/resume",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def resume_page(
    request: Request,
    complaint_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        services,
        actor,
        complaint_id,
        lambda: service.resume_tender(uow, services, complaint_id, note),
        "resume",
        "tender_resumed",
    )


def _decision(
    outcome: str, remedy: str, findings: str, at_fault: list[str], fault_finding: str
) -> service.Decide:
    try:
        chosen = Outcome(outcome)
        applied = Remedy(remedy)
    except ValueError:
        raise InvalidInput("choose the outcome and the remedy", field="outcome") from None
    if at_fault and not fault_finding.strip():
        raise InvalidInput("state what was found against them", field="fault_finding")
    return service.Decide(
        outcome=chosen,
        remedy=applied,
        findings=findings,
        at_fault=tuple((org_id, fault_finding) for org_id in at_fault),
    )


@router.post(
    "/complaints/{complaint_id}/decision/prepare",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def prepare_page(
    request: Request,
    complaint_id: str,
    services: ServicesDep,
    actor: ActorDep,
    outcome: DecisionField = "",
    remedy: DecisionField = "",
    findings: DecisionField = "",
    at_fault: Annotated[list[str] | None, Form()] = None,
    fault_finding: DecisionField = "",
) -> Response:
    """The written decision, its canonical bytes to sign, and the form to paste the signature."""
    refused = gate(request, actor, Action.COMPLAINT_HANDLE, f"/complaints/{complaint_id}")
    if refused is not None:
        return refused
    try:
        cmd = _decision(outcome, remedy, findings, at_fault or [], fault_finding)
        document, data = service.decision_document(services, actor, complaint_id, cmd)
    except DomainError as exc:
        return _page(
            request, services, actor, complaint_id, problem=problem_of(exc, request, "decide")
        )
    prepared = {
        "document": document,
        "text": data.decode(),
        "b64": base64.b64encode(data).decode(),
        "fields": {
            "outcome": outcome,
            "remedy": remedy,
            "findings": findings,
            "fault_finding": fault_finding,
        },
        "at_fault": at_fault or [],
    }
    return _page(request, services, actor, complaint_id, prepared=prepared)


@router.post(
    "/complaints/{complaint_id}/decision",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
)
def decide_page(
    request: Request,
    complaint_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    outcome: DecisionField = "",
    remedy: DecisionField = "",
    findings: DecisionField = "",
    at_fault: Annotated[list[str] | None, Form()] = None,
    fault_finding: DecisionField = "",
    signature: DecisionField = "",
) -> Response:
    """Record the signed decision, publish it on the tender page and apply it."""

    def decide() -> None:
        cmd = _decision(outcome, remedy, findings, at_fault or [], fault_finding)
        service.decide_complaint(uow, services, complaint_id, cmd, signature)

    return _act(request, services, actor, complaint_id, decide, "decide", "complaint_decided")
