"""Supervision pages: red-flag hits (with filters, and a form to open a case from the chosen
ones), alerts (with their acknowledgement), cases and one case with its notes, evidence and the
moves it may make. Supervisors of the centre only — the policy table decides (``gate`` before
any form is read; the services check the object itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile as StarletteUploadFile

from prex.analytics.cases import service as cases
from prex.analytics.risk.queries import (
    PAGE_SIZE,
    HitFilter,
    acknowledge_alert,
    list_alerts,
    list_hits,
)
from prex.identity.policy import Action, is_allowed
from prex.shared.errors import DomainError, InvalidInput
from prex.shared.upload_checks import UploadLimits
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.pages.common import Problem, gate, problem_of, see_other
from prex.web.pages.render import render
from prex.web.uploads import chunks

router = APIRouter(include_in_schema=False)


@router.get(
    "/supervision/flags", response_class=HTMLResponse, openapi_extra=acts(Action.FLAGS_READ)
)
def flags_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    rule: str = "",
    group: str = "",
    tender_id: str = "",
    severity: str = "",
    state: str = "open",
    page: int = 1,
) -> Response:
    """Hits of the supervisor's centre, newest first; choose some to open a case."""
    refused = gate(request, actor, Action.FLAGS_READ)
    if refused is not None:
        return refused
    return _flags(request, services, actor, rule, group, tender_id, severity, state, page)


def _flags(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    rule: str = "",
    group: str = "",
    tender_id: str = "",
    severity: str = "",
    state: str = "open",
    page: int = 1,
    problem: Problem | None = None,
) -> Response:
    chosen = HitFilter(
        rule or None, group or None, None, tender_id or None, severity or None, state or "open"
    )
    with services.read_session() as session:
        found = list_hits(session, actor, chosen, max(page, 1))
    return render(
        request,
        "supervision_flags.html",
        422 if problem else 200,
        found=found,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        filters={
            "rule": rule,
            "group": group,
            "tender_id": tender_id,
            "severity": severity,
            "state": state or "open",
        },
        may_open=is_allowed(actor, Action.CASE_MANAGE),
        problem=problem,
    )


@router.get(
    "/supervision/alerts", response_class=HTMLResponse, openapi_extra=acts(Action.FLAGS_READ)
)
def alerts_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    level: str = "",
    open_only: str = "",
    page: int = 1,
) -> Response:
    """Alerts raised to the supervisor's centre, newest first, each with its acknowledgement."""
    refused = gate(request, actor, Action.FLAGS_READ)
    if refused is not None:
        return refused
    chosen = int(level) if level.isdigit() else None
    with services.read_session() as session:
        found = list_alerts(session, actor, level=chosen, open_only=bool(open_only), page=page)
    return render(
        request,
        "supervision_alerts.html",
        found=found,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        level=level,
        open_only=bool(open_only),
        may_acknowledge=is_allowed(actor, Action.ALERT_ACKNOWLEDGE),
    )


@router.post(
    "/supervision/alerts/{alert_id}/acknowledge",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.ALERT_ACKNOWLEDGE),
)
def acknowledge_page(
    request: Request,
    alert_id: str,
    actor: ActorDep,
    uow: UowDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    refused = gate(request, actor, Action.ALERT_ACKNOWLEDGE, "/supervision/alerts")
    if refused is not None:
        return refused
    acknowledge_alert(uow, alert_id, note.strip())
    return see_other("/supervision/alerts?done=alert_acknowledged")


@router.get("/supervision/cases", response_class=HTMLResponse, openapi_extra=acts(Action.CASE_READ))
def cases_page(
    request: Request, services: ServicesDep, actor: ActorDep, status: str = "", page: int = 1
) -> Response:
    """The centre's cases, most recently moved first."""
    refused = gate(request, actor, Action.CASE_READ)
    if refused is not None:
        return refused
    with services.read_session() as session:
        found = cases.list_cases(session, actor, status=status or None, page=page)
    return render(
        request,
        "supervision_cases.html",
        found=found,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        status=status,
    )


@router.post(
    "/supervision/cases", response_class=HTMLResponse, openapi_extra=acts(Action.CASE_MANAGE)
)
def openshow_case(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    hit_ids: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    title: Annotated[str, Form()] = "",
) -> Response:
    """Open a case from the hits chosen on the flags page."""
    refused = gate(request, actor, Action.CASE_MANAGE, "/supervision/flags")
    if refused is not None:
        return refused
    try:
        case = cases.open_case(uow, hit_ids, title)
    except DomainError as exc:
        return _flags(request, services, actor, problem=problem_of(exc, request, "case"))
    return see_other(f"/supervision/cases/{case.id}?done=case_opened")


def show_case(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    case_id: str,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    view = cases.read_case(services.uow(actor), case_id)
    return render(
        request,
        "supervision_case.html",
        422 if problem else 200,
        case=view,
        may_manage=is_allowed(actor, Action.CASE_MANAGE),
        may_record_credit=is_allowed(actor, Action.CREDIT_MANAGE),
        problem=problem,
        values=values or {},
        max_document_mb=max(1, services.settings.max_document_bytes // (1024 * 1024)),
    )


@router.get(
    "/supervision/cases/{case_id}",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CASE_READ),
)
def case_page(request: Request, case_id: str, services: ServicesDep, actor: ActorDep) -> Response:
    """One case: its evidence (hits and files), notes, history and the next moves."""
    refused = gate(request, actor, Action.CASE_READ)
    if refused is not None:
        return refused
    return show_case(request, services, actor, case_id)


def _case_action(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    case_id: str,
    act: Callable[[], object],
    form: tuple[str, dict[str, str]],
    done: str,
) -> Response:
    """A supervisor's change to one case from its page: refused without the right, shown again
    with the problem (and what was typed) when refused by the case, else back to the case."""
    refused = gate(request, actor, Action.CASE_MANAGE, f"/supervision/cases/{case_id}")
    if refused is not None:
        return refused
    try:
        act()
    except DomainError as exc:
        problem = problem_of(exc, request, form[0])
        return show_case(request, services, actor, case_id, problem, form[1] or None)
    return see_other(f"/supervision/cases/{case_id}?done={done}")


@router.post(
    "/supervision/cases/{case_id}/transition",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CASE_MANAGE),
)
def transition_page(
    request: Request,
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _case_action(
        request,
        services,
        actor,
        case_id,
        lambda: cases.transition_case(uow, case_id, status, reason),
        ("transition", {"reason": reason}),
        "case_moved",
    )


@router.post(
    "/supervision/cases/{case_id}/notes",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CASE_MANAGE),
)
def note_page(
    request: Request,
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    return _case_action(
        request,
        services,
        actor,
        case_id,
        lambda: cases.add_note(uow, case_id, text),
        ("note", {"text": text}),
        "note_added",
    )


@router.post(
    "/supervision/cases/{case_id}/evidence",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CASE_MANAGE),
)
def evidence_page(
    request: Request,
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[UploadFile | str, File()] = "",
) -> Response:

    def add() -> None:
        if not isinstance(file, StarletteUploadFile) or not file.filename:
            raise InvalidInput("choose a file to upload", field="file")
        cases.add_file(
            uow,
            services.blobs,
            case_id,
            filename=file.filename,
            media_type=file.content_type or "",
            chunks=chunks(file),
            max_bytes=services.settings.max_document_bytes,
            limits=UploadLimits.from_settings(services.settings),
        )

    return _case_action(request, services, actor, case_id, add, ("evidence", {}), "evidence_added")
