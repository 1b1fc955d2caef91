"""Credit pages: the public credit list (信用信息公示) with search, an organisation's credit page,
and the supervisors' page of their centre's records — record one, publish, revoke — plus the
one action on a referred case that records violations for the organisations it names.

Public pages show published records of organisations only (``prex.credit.queries.public_view``):
never experts, unpublished or revoked records, who entered a record or where it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from prex.credit import experts as credit_experts
from prex.credit import from_cases, service
from prex.credit.model import RecordKind
from prex.credit.queries import (
    PAGE_SIZE,
    local_date,
    organisation_credit,
    public_records,
    records_of_centres,
)
from prex.identity.policy import Action, Scope, is_allowed, widest_scope
from prex.shared.errors import DomainError, InvalidInput, NotFound
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.pages.common import Problem, gate, problem_of, see_other
from prex.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/credit", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ))
def credit_list(
    request: Request, services: ServicesDep, kind: str = "", q: str = "", page: int = 1
) -> Response:
    """Published credit records of organisations, newest first; search by name or USCC."""
    chosen = kind if kind in {k.value for k in RecordKind} else ""
    with services.read_session() as session:
        found = public_records(
            session, local_date(services.clock), kind=chosen or None, q=q[:200], page=page
        )
    return render(
        request,
        "credit_list.html",
        found=found,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        kind=chosen,
        q=q[:200],
    )


@router.get(
    "/credit/organisations/{key}",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def organisation_page(request: Request, key: str, services: ServicesDep) -> Response:
    """An organisation's credit: whether it is blacklisted today, and its published records."""
    with services.read_session() as session:
        found = organisation_credit(session, key, local_date(services.clock))
    if found is None:
        raise NotFound(f"no organisation {key}", organisation=key)
    return render(request, "credit_organisation.html", org=found)


def _centre_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    page: int = 1,
    problem: Problem | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    scope = widest_scope(actor, Action.CREDIT_READ)
    centre_ids = None if scope is Scope.ANY else [actor.centre_id or ""]
    with services.read_session() as session:
        found = records_of_centres(session, centre_ids, local_date(services.clock), page=page)
    return render(
        request,
        "supervision_credit.html",
        422 if problem else 200,
        found=found,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        may_manage=is_allowed(actor, Action.CREDIT_MANAGE),
        problem=problem,
        values=values or {},
    )


@router.get(
    "/supervision/credit", response_class=HTMLResponse, openapi_extra=acts(Action.CREDIT_READ)
)
def centre_records_page(
    request: Request, services: ServicesDep, actor: ActorDep, page: int = 1
) -> Response:
    """Every record the centre issued (published or not, experts' too), newest first."""
    refused = gate(request, actor, Action.CREDIT_READ)
    if refused is not None:
        return refused
    return _centre_page(request, services, actor, page)


def _date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"'{value}' is not a date (YYYY-MM-DD)", field=field) from None


@router.post(
    "/supervision/credit", response_class=HTMLResponse, openapi_extra=acts(Action.CREDIT_MANAGE)
)
def record_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    kind: Annotated[str, Form()] = "",
    subject_kind: Annotated[str, Form()] = "organisation",
    subject: Annotated[str, Form()] = "",
    basis: Annotated[str, Form()] = "",
    facts: Annotated[str, Form()] = "",
    authority: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "all",
    scope_value: Annotated[str, Form()] = "",
    grade: Annotated[str, Form()] = "",
    publish: Annotated[str, Form()] = "",
) -> Response:
    """A supervisor records a credit fact for the centre from the form."""
    refused = gate(request, actor, Action.CREDIT_MANAGE, "/supervision/credit")
    if refused is not None:
        return refused
    values = {
        "kind": kind,
        "subject_kind": subject_kind,
        "subject": subject,
        "basis": basis,
        "facts": facts,
        "authority": authority,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "scope": scope,
        "scope_value": scope_value,
        "grade": grade,
    }
    try:
        service.record_credit(
            uow,
            service.RecordCredit(
                kind=kind,
                subject_kind=subject_kind,
                subject=subject[:26],
                basis=basis,
                facts=facts,
                authority=authority[:200],
                valid_from=_date(valid_from, "valid_from"),
                valid_until=_date(valid_until, "valid_until"),
                scope=scope,
                scope_value=scope_value.strip()[:64] or None,
                grade=grade or None,
                publish=bool(publish),
            ),
        )
    except DomainError as exc:
        problem = problem_of(exc, request, "record")
        return _centre_page(request, services, actor, problem=problem, values=values)
    return see_other("/supervision/credit?done=credit_recorded")


@router.post(
    "/supervision/credit/experts",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CREDIT_MANAGE),
)
def expert_behaviour_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    expert_id: Annotated[str, Form()] = "",
    behaviour: Annotated[str, Form()] = "",
    source_id: Annotated[str, Form()] = "",
    facts: Annotated[str, Form()] = "",
) -> Response:
    """A supervisor records an expert's behaviour (e.g. an unjustified deviating score): the
    deduction table's points, and a blacklist at the threshold."""
    refused = gate(request, actor, Action.CREDIT_MANAGE, "/supervision/credit")
    if refused is not None:
        return refused
    values = {"expert_id": expert_id, "behaviour": behaviour, "source_id": source_id}
    try:
        if not source_id.strip():
            raise InvalidInput("name the occurrence (tender, member, bid …)", field="source_id")
        credit_experts.record_expert_behaviour(
            uow,
            expert_id=expert_id.strip()[:26],
            behaviour=behaviour,
            source_id=source_id.strip()[:150],
            facts=facts,
        )
    except DomainError as exc:
        problem = problem_of(exc, request, "behaviour")
        return _centre_page(request, services, actor, problem=problem, values=values)
    return see_other("/supervision/credit?done=credit_recorded")


def _record_action(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    act: str,
    run: Callable[[], object],
) -> Response:
    refused = gate(request, actor, Action.CREDIT_MANAGE, "/supervision/credit")
    if refused is not None:
        return refused
    try:
        run()
    except DomainError as exc:
        return _centre_page(request, services, actor, problem=problem_of(exc, request, act))
    return see_other(f"/supervision/credit?done=credit_{act}")


@router.post(
    "/supervision/credit/{record_id}/publish",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CREDIT_MANAGE),
)
def publish_page(
    request: Request, record_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    return _record_action(
        request, services, actor, "published", lambda: service.publish_record(uow, record_id)
    )


@router.post(
    "/supervision/credit/{record_id}/revoke",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CREDIT_MANAGE),
)
def revoke_page(
    request: Request,
    record_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _record_action(
        request,
        services,
        actor,
        "revoked",
        lambda: service.revoke_record(uow, record_id, reason),
    )


@router.post(
    "/supervision/cases/{case_id}/credit",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.CREDIT_MANAGE),
)
def case_records_page(
    request: Request,
    case_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    basis: Annotated[str, Form()] = "",
) -> Response:
    """One action on a referred case: violation records (unpublished) for the organisations
    its evidence names."""
    refused = gate(request, actor, Action.CREDIT_MANAGE, f"/supervision/cases/{case_id}")
    if refused is not None:
        return refused
    try:
        from_cases.records_from_case(uow, case_id, basis=basis)
    except DomainError as exc:
        from prex.web.pages.supervision import show_case

        return show_case(request, services, actor, case_id, problem_of(exc, request, "credit"))
    return see_other("/supervision/credit?done=credit_from_case")
