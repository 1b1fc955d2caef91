"""HTTP API of the expert registry (评标专家库): the specialty code list (public), and for the
experts' centre — list and search, one expert, register, update, CSV import, blacklist,
unavailable dates, declared interests.

Every route that shows an expert needs ``expert.read_identity`` (operators and supervisors of
the expert's centre, administrators); every other role is refused with 403 before anything is
read, so no name or identity number ever reaches a bidder or the public from here. What they
may see of a committee — per-tender pseudonyms — is the evaluation context's to serve.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, UploadFile

from prex.bootstrap import Services
from prex.experts import codes, csv_import, registry
from prex.experts.model import (
    DeclaredInterest,
    ExpertDetail,
    ExpertView,
    parse_title,
)
from prex.experts.queries import MAX_PAGE
from prex.identity.policy import Action
from prex.shared.errors import InvalidInput
from prex.shared.upload_checks import UploadLimits, check_bytes
from prex.web.deps import MAX_OFFSET, ActorDep, ServicesDep, UowDep, acts, require
from prex.web.schemas.experts import (
    BlacklistIn,
    BlacklistPublic,
    Created,
    ExpertDetailPublic,
    ExpertIn,
    ExpertList,
    ExpertPublic,
    ImportPublic,
    InterestIn,
    InterestPublic,
    LiftIn,
    RowPublic,
    ServicePublic,
    Specialty,
    UnavailableIn,
    UnavailablePublic,
    Updated,
)

router = APIRouter(tags=["experts"])
_READ: dict[str, Any] = {
    "openapi_extra": acts(Action.EXPERT_READ_IDENTITY),
    "dependencies": [Depends(require(Action.EXPERT_READ_IDENTITY))],
}
_MANAGE: dict[str, Any] = {
    "openapi_extra": acts(Action.EXPERT_MANAGE),
    "dependencies": [Depends(require(Action.EXPERT_MANAGE))],
}


def _public(view: ExpertView) -> ExpertPublic:
    return ExpertPublic(
        id=view.id,
        name=view.name,
        id_number_masked=view.id_number_masked,
        phone=view.phone,
        employer_uscc=view.employer_uscc,
        employer_name=view.employer_name,
        title=view.title,
        title_label=view.title.label,
        years_of_practice=view.years_of_practice,
        specialties=[
            Specialty(code=c, name=codes.specialty_codes().get(c, "")) for c in view.specialties
        ],
        centre_id=view.centre_id,
        credit_score=view.credit_score,
        user_id=view.user_id,
        blacklisted=view.blacklisted,
        unavailable=view.unavailable,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def _interest(i: DeclaredInterest) -> InterestPublic:
    return InterestPublic(
        id=i.id, uscc=i.uscc, org_name=i.org_name, reason=i.reason, declared_at=i.declared_at
    )


def _detail(detail: ExpertDetail) -> ExpertDetailPublic:
    return ExpertDetailPublic(
        expert=_public(detail.expert),
        blacklist=[BlacklistPublic(**b.__dict__) for b in detail.blacklist],
        unavailability=[
            UnavailablePublic(id=u.id, start=u.start, until=u.until, reason=u.reason)
            for u in detail.unavailability
        ],
        interests=[_interest(i) for i in detail.interests],
        services=[ServicePublic(**s.__dict__) for s in detail.services],
    )


def _today(services: Services) -> date:
    return registry.local_date(services.clock)


@router.get(
    "/expert-specialties",
    response_model=list[Specialty],
    openapi_extra=acts(Action.PUBLIC_READ),
)
def specialty_list() -> list[Specialty]:
    """The specialty code list experts register under (a code's broader codes are its
    prefixes: A0801 → A08 → A)."""
    return [Specialty(code=c, name=n) for c, n in codes.specialty_codes().items()]


@router.get("/experts", response_model=ExpertList, **_READ)
def list_experts(
    actor: ActorDep,
    services: ServicesDep,
    centre_id: str | None = None,
    specialty: str | None = Query(None, description="this code or a narrower one"),
    text: str | None = Query(None, max_length=100, description="part of the name or phone"),
    title: str | None = None,
    employer_uscc: str | None = None,
    blacklisted: bool | None = None,
    available: bool | None = Query(None, description="neither blacklisted nor unavailable"),
    on: date | None = Query(None, description="the day flags are read for; default today"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> ExpertList:
    """Search the registry: your centre's experts (an administrator: any centre's)."""
    day = on or _today(services)
    flt = registry.ExpertFilter(
        centre_id=centre_id,
        specialty=specialty,
        text=text,
        title=parse_title(title) if title else None,
        employer_uscc=employer_uscc,
        blacklisted=blacklisted,
        available=available,
    )
    with services.read_session() as session:
        page = registry.find_experts(session, actor, flt, day=day, limit=limit, offset=offset)
    return ExpertList(items=[_public(v) for v in page.items], total=page.total, on=day)


@router.get("/experts/{expert_id}", response_model=ExpertDetailPublic, **_READ)
def get_expert(
    expert_id: str, actor: ActorDep, services: ServicesDep, on: date | None = None
) -> ExpertDetailPublic:
    """One expert in full: blacklist entries (lifted ones too), unavailable dates, declared
    interests in force, services."""
    with services.read_session() as session:
        detail = registry.get_expert(session, actor, expert_id, day=on or _today(services))
    return _detail(detail)


@router.post("/experts", status_code=201, response_model=Created, **_MANAGE)
def register_expert(body: ExpertIn, uow: UowDep, actor: ActorDep, services: ServicesDep) -> Created:
    """Register an expert (entry rule: at least 8 years of practice and a senior title)."""
    centre_id = body.centre_id or actor.centre_id
    if centre_id is None:
        raise InvalidInput("give the expert's home centre", field="centre_id")
    expert_id = registry.register_expert(
        uow, body.data(centre_id), secret=services.settings.secret_key
    )
    return Created(id=expert_id)


@router.put("/experts/{expert_id}", response_model=Updated, **_MANAGE)
def update_expert(expert_id: str, body: ExpertIn, uow: UowDep, services: ServicesDep) -> Updated:
    """Replace an expert's record; ``id_number`` omitted keeps the number on record."""
    if body.centre_id is None:
        with services.read_session() as session:
            centre_id = registry.expert_centre(session, expert_id)
    else:
        centre_id = body.centre_id
    changed = registry.update_expert(
        uow, expert_id, body.data(centre_id), secret=services.settings.secret_key
    )
    return Updated(id=expert_id, changed=changed)


@router.post(
    "/experts/import",
    response_model=ImportPublic,
    openapi_extra=acts(Action.EXPERT_MANAGE),
    dependencies=[Depends(require(Action.EXPERT_MANAGE))],
)
def import_experts(
    file: UploadFile,
    uow: UowDep,
    services: ServicesDep,
    actor: ActorDep,
    centre: str | None = Query(
        None, description="home centre (id or division code) of rows without one; default yours"
    ),
) -> ImportPublic:
    """Import experts from a CSV file (multipart ``file``; columns in docs/experts.md). Each
    row is imported whole or refused with its line number and reasons; re-importing updates."""
    data = file.file.read(csv_import.MAX_BYTES + 1)
    if len(data) <= csv_import.MAX_BYTES:  # (the import itself refuses a longer file)
        check_bytes(
            data,
            filename=file.filename or "experts.csv",
            media_type=file.content_type or "",
            limits=UploadLimits.from_settings(services.settings, csv_import.MAX_BYTES),
        )
    report = csv_import.import_experts(
        uow,
        data,
        secret=services.settings.secret_key,
        default_centre=centre or actor.centre_id,
    )
    return ImportPublic(
        import_id=report.import_id,
        file_sha256=report.file_sha256,
        ok=report.ok,
        summary=report.summary(),
        results=[
            RowPublic(
                line=r.line, outcome=r.outcome, expert_id=r.expert_id, reasons=list(r.reasons)
            )
            for r in report.results
        ],
    )


@router.post("/experts/{expert_id}/blacklist", status_code=201, response_model=Created, **_MANAGE)
def blacklist_expert(expert_id: str, body: BlacklistIn, uow: UowDep) -> Created:
    """Keep the expert out of every draw from ``start`` to ``until`` (inclusive)."""
    return Created(
        id=registry.blacklist_expert(
            uow,
            expert_id,
            reason=body.reason,
            source=body.source,
            start=body.start,
            until=body.until,
        )
    )


@router.post("/experts/{expert_id}/blacklist/{entry_id}/lift", status_code=204, **_MANAGE)
def lift_blacklist(expert_id: str, entry_id: str, body: LiftIn, uow: UowDep) -> None:
    """End a blacklist entry now; it stays on record, marked lifted."""
    registry.lift_blacklist(uow, expert_id, entry_id, reason=body.reason)


@router.post(
    "/experts/{expert_id}/unavailability", status_code=201, response_model=Created, **_MANAGE
)
def set_unavailable(expert_id: str, body: UnavailableIn, uow: UowDep) -> Created:
    """Dates (inclusive) on which the expert cannot serve."""
    return Created(
        id=registry.set_unavailable(
            uow, expert_id, start=body.start, until=body.until, reason=body.reason
        )
    )


@router.delete("/experts/{expert_id}/unavailability/{range_id}", status_code=204, **_MANAGE)
def remove_unavailability(expert_id: str, range_id: str, uow: UowDep) -> None:
    registry.remove_unavailability(uow, expert_id, range_id)


@router.post("/experts/{expert_id}/interests", status_code=201, response_model=Created, **_MANAGE)
def declare_interest(expert_id: str, body: InterestIn, uow: UowDep) -> Created:
    """An organisation (by credit code) the expert must avoid: the draw excludes the expert
    from tenders where it bids or tenders."""
    return Created(id=registry.declare_interest(uow, expert_id, uscc=body.uscc, reason=body.reason))


@router.delete("/experts/{expert_id}/interests/{interest_id}", status_code=204, **_MANAGE)
def withdraw_interest(expert_id: str, interest_id: str, uow: UowDep) -> None:
    registry.withdraw_interest(uow, expert_id, interest_id)
