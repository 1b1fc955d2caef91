"""HTTP API of red-flag supervision: hits (with filters), alerts (and acknowledging one), and
cases — opened from hits, moved through review to a decision, with notes and evidence files.

Supervisors of the hit's or case's centre only (``FLAGS_READ``, ``ALERT_ACKNOWLEDGE``,
``CASE_READ``, ``CASE_MANAGE`` in the policy table); bidders, experts and the public never.
How to read a hit: docs/red-flags.md.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from prex.analytics.cases import service as cases
from prex.analytics.risk.queries import (
    HitFilter,
    acknowledge_alert,
    list_alerts,
    list_hits,
    list_scores,
)
from prex.identity.policy import Action
from prex.shared.upload_checks import UploadLimits
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.openapi_problems import STORED_MEDIA_TYPE
from prex.web.uploads import chunks

router = APIRouter(prefix="/supervision", tags=["supervision"])

Page = Annotated[int, Query(ge=1, le=100000)]
# Evidence is served as an attachment; only these types keep their own media type.
SAFE_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "image/png",
        "image/jpeg",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class CaseCreate(BaseModel):
    hit_ids: list[str] = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=300)


class CaseTransition(BaseModel):
    status: str = Field(description="under_review, dismissed or referred")
    reason: str = Field(default="", max_length=4000, description="required to dismiss or refer")


class CaseNote(BaseModel):
    text: str = Field(max_length=4000)


class CaseHits(BaseModel):
    hit_ids: list[str] = Field(min_length=1, max_length=200)


class AlertAcknowledge(BaseModel):
    note: str = Field(default="", max_length=2000)


@router.get(
    "/flags",
    openapi_extra=acts(Action.FLAGS_READ),
    dependencies=[Depends(require(Action.FLAGS_READ))],
)
def flags(
    services: ServicesDep,
    actor: ActorDep,
    rule: str | None = None,
    group: Annotated[str | None, Query(description="OCID, Buyer, Tenderer, Tender, Lot …")] = None,
    subject_id: str | None = None,
    tender_id: str | None = None,
    severity: Annotated[str | None, Query(description="low, medium or high")] = None,
    state: Annotated[str, Query(description="open, resolved or all")] = "open",
    page: Page = 1,
) -> dict[str, Any]:
    """Hits of the actor's centre (and of no centre), newest first, 50 a page."""
    found = HitFilter(rule, group, subject_id, tender_id, severity, state)
    with services.read_session() as session:
        return list_hits(session, actor, found, page)


@router.get(
    "/risk",
    openapi_extra=acts(Action.FLAGS_READ),
    dependencies=[Depends(require(Action.FLAGS_READ))],
)
def risk(
    services: ServicesDep,
    actor: ActorDep,
    kind: Annotated[str, Query(description="tender or bidder")] = "tender",
    page: Page = 1,
) -> dict[str, Any]:
    """Risk scores (0–100) and alert levels of tenders or bidders, highest first."""
    with services.read_session() as session:
        return list_scores(session, actor, kind, page)


@router.get(
    "/alerts",
    openapi_extra=acts(Action.FLAGS_READ),
    dependencies=[Depends(require(Action.FLAGS_READ))],
)
def alerts(
    services: ServicesDep,
    actor: ActorDep,
    level: Annotated[int | None, Query(description="1 (most serious) to 4")] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    page: Page = 1,
) -> dict[str, Any]:
    """Alerts raised to the actor's centre, newest first; ``open=true``: not acknowledged."""
    with services.read_session() as session:
        return list_alerts(session, actor, level=level, open_only=open_only, page=page)


@router.post(
    "/alerts/{alert_id}/acknowledge",
    openapi_extra=acts(Action.ALERT_ACKNOWLEDGE),
    dependencies=[Depends(require(Action.ALERT_ACKNOWLEDGE))],
)
def acknowledge(alert_id: str, uow: UowDep, body: AlertAcknowledge | None = None) -> dict[str, Any]:
    """Acknowledge an alert (once); audited with the time, the supervisor and the address."""
    return acknowledge_alert(uow, alert_id, (body or AlertAcknowledge()).note)


@router.get(
    "/cases",
    openapi_extra=acts(Action.CASE_READ),
    dependencies=[Depends(require(Action.CASE_READ))],
)
def list_cases(
    services: ServicesDep, actor: ActorDep, status: str | None = None, page: Page = 1
) -> dict[str, Any]:
    """Cases of the actor's centre, most recently moved first."""
    with services.read_session() as session:
        return cases.list_cases(session, actor, status=status, page=page)


@router.post(
    "/cases",
    status_code=201,
    openapi_extra=acts(Action.CASE_MANAGE),
    dependencies=[Depends(require(Action.CASE_MANAGE))],
)
def create_case(body: CaseCreate, uow: UowDep, services: ServicesDep, actor: ActorDep) -> Any:
    """Open a case from hits of one centre (they become its first evidence)."""
    case = cases.open_case(uow, body.hit_ids, body.title)
    return cases.read_case(services.uow(actor), case.id)


@router.get(
    "/cases/{case_id}",
    openapi_extra=acts(Action.CASE_READ),
    dependencies=[Depends(require(Action.CASE_READ))],
)
def get_case(case_id: str, uow: UowDep) -> dict[str, Any]:
    """The case with its notes, evidence (hits expanded) and its possible next statuses."""
    return cases.read_case(uow, case_id)


@router.post(
    "/cases/{case_id}/transitions",
    openapi_extra=acts(Action.CASE_MANAGE),
    dependencies=[Depends(require(Action.CASE_MANAGE))],
)
def transition(
    case_id: str, body: CaseTransition, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Move the case: open → under_review → dismissed | referred (a reason to decide)."""
    cases.transition_case(uow, case_id, body.status, body.reason)
    return cases.read_case(services.uow(actor), case_id)


@router.post(
    "/cases/{case_id}/notes",
    status_code=201,
    openapi_extra=acts(Action.CASE_MANAGE),
    dependencies=[Depends(require(Action.CASE_MANAGE))],
)
def add_note(
    case_id: str, body: CaseNote, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    cases.add_note(uow, case_id, body.text)
    return cases.read_case(services.uow(actor), case_id)


@router.post(
    "/cases/{case_id}/hits",
    status_code=201,
    openapi_extra=acts(Action.CASE_MANAGE),
    dependencies=[Depends(require(Action.CASE_MANAGE))],
)
def link_hits(
    case_id: str, body: CaseHits, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Add more hits of the case's centre as evidence."""
    cases.link_hits(uow, case_id, body.hit_ids)
    return cases.read_case(services.uow(actor), case_id)


@router.post(
    "/cases/{case_id}/evidence",
    status_code=201,
    openapi_extra=acts(Action.CASE_MANAGE),
    dependencies=[Depends(require(Action.CASE_MANAGE))],
)
def upload_evidence(
    case_id: str, file: UploadFile, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Attach a file (multipart ``file``); stored by SHA-256 in the blob store."""
    evidence = cases.add_file(
        uow,
        services.blobs,
        case_id,
        filename=file.filename or "",
        media_type=file.content_type or "",
        chunks=chunks(file),
        max_bytes=services.settings.max_document_bytes,
        limits=UploadLimits.from_settings(services.settings),
    )
    return {
        "id": evidence.id,
        "filename": evidence.filename,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "media_type": evidence.media_type,
    }


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}",
    openapi_extra=acts(Action.CASE_READ),
    dependencies=[Depends(require(Action.CASE_READ))],
    response_class=StreamingResponse,
    responses=STORED_MEDIA_TYPE,
)
def download_evidence(
    case_id: str, evidence_id: str, uow: UowDep, services: ServicesDep
) -> StreamingResponse:
    """The file's bytes, as an attachment; ``X-Content-SHA256`` carries its digest."""
    evidence = cases.evidence_file(uow, case_id, evidence_id)
    media = evidence.media_type if evidence.media_type in SAFE_MEDIA_TYPES else None
    filename = evidence.filename
    quoted = filename.replace("\\", "_").replace('"', "_")
    return StreamingResponse(
        services.blobs.iter_bytes(evidence.sha256),
        media_type=media or "application/octet-stream",
        headers={
            "Content-Length": str(evidence.size),
            "X-Content-SHA256": evidence.sha256,
            "Content-Disposition": (
                f'attachment; filename="{quoted.encode("ascii", "replace").decode()}"; '
                f"filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )
