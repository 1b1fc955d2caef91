"""HTTP API of credit records (信用记录).

Public (``public.read``): the list of published records of organisations still in their period
and an organisation's credit, by id or credit code — never experts' records, unpublished or
revoked ones, who entered a record or where it came from.

Supervisors of the issuing centre (``credit.manage``): record (manual entry), publish,
correct and revoke with a reason; record violations from a referred case in one action; record
an expert's behaviour against the deduction table. ``credit.read``: every record of the centre.
How a blacklist bars a bidder: docs/credit.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from prex.credit import experts as credit_experts
from prex.credit import from_cases, service
from prex.credit.model import RecordKind, RecordStatus
from prex.credit.queries import (
    full_view,
    local_date,
    organisation_credit,
    public_records,
    records_of_centres,
)
from prex.credit.service import choice
from prex.identity.policy import Action, Scope, widest_scope
from prex.shared.errors import NotFound
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(prefix="/credit", tags=["credit"])

Page = Annotated[int, Query(ge=1, le=100000)]


class CreditCreate(BaseModel):
    kind: str = Field(description="violation, blacklist, reward or performance")
    subject_kind: str = Field(default="organisation", description="organisation or expert")
    subject: str = Field(max_length=26, description="organisation id or USCC; expert id")
    basis: str = Field(max_length=4000, description="the legal basis (依据)")
    facts: str = Field(max_length=4000, description="what happened, as it may be published")
    authority: str = Field(default="", max_length=200, description="default: the centre")
    valid_from: date | None = Field(default=None, description="default: today (local)")
    valid_until: date | None = Field(default=None, description="inclusive; none: until revoked")
    scope: str = Field(default="all", description="all, transaction_type, region or centre")
    scope_value: str | None = Field(default=None, max_length=64)
    points: int = Field(default=0, ge=0, le=100, description="an expert's violation only")
    grade: str | None = Field(default=None, description="performance: excellent … poor")
    publish: bool = Field(default=True, description="false: recorded, not yet public")


class CreditRevoke(BaseModel):
    reason: str = Field(max_length=4000)


class CreditCorrection(BaseModel):
    reason: str = Field(max_length=4000)
    authority: str | None = Field(default=None, max_length=200)
    basis: str | None = Field(default=None, max_length=4000)
    facts: str | None = Field(default=None, max_length=4000)
    scope: str | None = None
    scope_value: str | None = Field(default=None, max_length=64)
    valid_from: date | None = None
    valid_until: date | None = None
    points: int | None = Field(default=None, ge=0, le=100)
    grade: str | None = None


class CaseRecords(BaseModel):
    basis: str = Field(max_length=4000)
    facts: str = Field(default="", max_length=4000, description="default: the case's decision")
    org_ids: list[str] | None = Field(default=None, max_length=200)
    publish: bool = False


class ExpertBehaviour(BaseModel):
    behaviour: str = Field(description="absent, refused, deviation or complaint_upheld")
    source_id: str = Field(max_length=150, description="the occurrence: member, score, …")
    facts: str = Field(max_length=4000)


@router.get("/records", openapi_extra=acts(Action.PUBLIC_READ))
def list_public(
    services: ServicesDep,
    kind: Annotated[str | None, Query(description="violation, blacklist, reward …")] = None,
    q: Annotated[str | None, Query(max_length=200, description="name or USCC")] = None,
    page: Page = 1,
) -> dict[str, Any]:
    """Published records of organisations still in their period, newest first, 50 a page."""
    if kind:
        choice(RecordKind, kind, "kind")
    with services.read_session() as session:
        return public_records(session, local_date(services.clock), kind=kind, q=q, page=page)


@router.get("/organisations/{key}", openapi_extra=acts(Action.PUBLIC_READ))
def organisation(key: str, services: ServicesDep) -> dict[str, Any]:
    """An organisation's public credit, by id or credit code: its published records."""
    with services.read_session() as session:
        found = organisation_credit(session, key, local_date(services.clock))
    if found is None:
        raise NotFound(f"no organisation {key}", organisation=key)
    return found


@router.get(
    "/centre/records",
    openapi_extra=acts(Action.CREDIT_READ),
    dependencies=[Depends(require(Action.CREDIT_READ))],
)
def list_centre(
    services: ServicesDep,
    actor: ActorDep,
    subject_id: str | None = None,
    kind: str | None = None,
    status: Annotated[str | None, Query(description="recorded, published or revoked")] = None,
    page: Page = 1,
) -> dict[str, Any]:
    """Every record the actor's centre issued (the administrator: every centre's)."""
    if kind:
        choice(RecordKind, kind, "kind")
    if status:
        choice(RecordStatus, status, "status")
    scope = widest_scope(actor, Action.CREDIT_READ)
    centre_ids = None if scope is Scope.ANY else [actor.centre_id or ""]
    with services.read_session() as session:
        return records_of_centres(
            session,
            centre_ids,
            local_date(services.clock),
            subject_id=subject_id,
            kind=kind,
            status=status,
            page=page,
        )


@router.get(
    "/centre/records/{record_id}",
    openapi_extra=acts(Action.CREDIT_READ),
    dependencies=[Depends(require(Action.CREDIT_READ))],
)
def get_record(record_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """One record with every field (its centre's supervisors and operators)."""
    return full_view(service.read_record(uow, record_id), local_date(services.clock))


@router.post(
    "/records",
    status_code=201,
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def create(body: CreditCreate, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Record a credit fact for the supervisor's centre (audited); published unless told."""
    record = service.record_credit(uow, service.RecordCredit(**body.model_dump()))
    return full_view(record, local_date(services.clock))


@router.post(
    "/records/{record_id}/publish",
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def publish(record_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Put a recorded (unpublished) record on the public pages and in the upstream dataset."""
    return full_view(service.publish_record(uow, record_id), local_date(services.clock))


@router.post(
    "/records/{record_id}/revoke",
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def revoke(
    record_id: str, body: CreditRevoke, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Revoke a record with a reason: it stays on file, with no effect anywhere."""
    record = service.revoke_record(uow, record_id, body.reason)
    return full_view(record, local_date(services.clock))


@router.post(
    "/records/{record_id}/corrections",
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def correct(
    record_id: str, body: CreditCorrection, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Correct fields of a record with a reason (each change, before and after, audited)."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    record = service.correct_record(uow, record_id, body.reason, changes)
    return full_view(record, local_date(services.clock))


@router.post(
    "/cases/{case_id}/records",
    status_code=201,
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def from_case(
    case_id: str, body: CaseRecords, uow: UowDep, services: ServicesDep
) -> list[dict[str, Any]]:
    """Violation records for the organisations a referred case's evidence names, in one
    action (unpublished unless told: publish each once the authority has decided)."""
    records = from_cases.records_from_case(
        uow, case_id, basis=body.basis, facts=body.facts, org_ids=body.org_ids, publish=body.publish
    )
    today = local_date(services.clock)
    return [full_view(r, today) for r in records]


@router.post(
    "/experts/{expert_id}/behaviour",
    status_code=201,
    openapi_extra=acts(Action.CREDIT_MANAGE),
    dependencies=[Depends(require(Action.CREDIT_MANAGE))],
)
def expert_behaviour(
    expert_id: str, body: ExpertBehaviour, uow: UowDep, services: ServicesDep
) -> list[dict[str, Any]]:
    """Record an expert's behaviour (e.g. ``deviation``: a deviating score's justification
    was not sound): the deduction table's points, and a blacklist at the threshold."""
    made = credit_experts.record_expert_behaviour(
        uow,
        expert_id=expert_id,
        behaviour=body.behaviour,
        source_id=body.source_id,
        facts=body.facts,
    )
    today = local_date(services.clock)
    return [full_view(r, today) for r in made]
