"""HTTP API of challenges (质疑) and complaints (投诉): evidence upload, filing (signed by the
filer's organisation certificate over the canonical bytes of docs/complaints.md), the
purchaser's answer, the supervisor's acceptance or refusal, suspension and resumption of the
tender, and the decision signed by the supervising department. Contents are the parties' alone
(``COMPLAINT_READ``); the suspension and published decisions are public."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from prex.complaints import service
from prex.complaints.model import Outcome, Remedy, Subject
from prex.identity.policy import Action
from prex.shared.errors import NotFound
from prex.tenders.service import get_tender_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.openapi_problems import STORED_MEDIA_TYPE
from prex.web.uploads import chunks

router = APIRouter(tags=["complaints"])

_SIGNATURE = Field(min_length=16, max_length=90000)
_TEXT = Field(min_length=1, max_length=service.MAX_TEXT)
_ID = Field(min_length=1, max_length=26)


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: str = Field(min_length=1, max_length=255)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1)
    media_type: str = Field(default="application/octet-stream", max_length=100)

    def item(self) -> service.EvidenceItem:
        return service.EvidenceItem(self.filename, self.sha256, self.size, self.media_type)


class FilingIn(BaseModel):
    """A challenge or complaint and the filer's signature over its act bytes (docs/complaints.md);
    ``known_on`` defaults to the day the act complained of was published on the platform."""

    model_config = ConfigDict(extra="forbid")
    subject: Subject
    text: str = _TEXT
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=service.MAX_EVIDENCE)
    known_on: date | None = None
    known_note: str = Field(default="", max_length=2000)
    challenge_id: str | None = Field(default=None, min_length=1, max_length=26)
    signature: str = _SIGNATURE

    def command(self, tender_id: str) -> service.FileComplaint:
        return service.FileComplaint(
            tender_id=tender_id,
            subject=self.subject,
            text=self.text,
            evidence=[e.item() for e in self.evidence],
            signature=self.signature,
            known_on=self.known_on,
            known_note=self.known_note,
            challenge_id=self.challenge_id,
        )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = _TEXT


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=1000)


class FaultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_id: str = _ID
    finding: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    """The decision as stated; ``decided_on`` is the day it is signed (today, Beijing)."""

    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    remedy: Remedy
    findings: str = _TEXT
    at_fault: list[FaultIn] = Field(default=[], max_length=50)
    decided_on: date | None = None

    def command(self) -> service.Decide:
        return service.Decide(
            outcome=self.outcome,
            remedy=self.remedy,
            findings=self.findings,
            at_fault=tuple((f.org_id, f.finding) for f in self.at_fault),
            decided_on=self.decided_on,
        )


class SignedDecisionIn(DecisionIn):
    signature: str = _SIGNATURE


@router.post(
    "/complaint-evidence",
    status_code=201,
    openapi_extra=acts(Action.COMPLAINT_FILE),
    dependencies=[Depends(require(Action.COMPLAINT_FILE))],
)
def upload_evidence(file: UploadFile, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """Store one evidence document; name it in the filing's ``evidence`` (its SHA-256 signed)."""
    return service.store_evidence(
        services,
        actor,
        filename=file.filename or "",
        media_type=file.content_type or "",
        chunks=chunks(file),
    )


@router.post(
    "/tenders/{tender_id}/challenges",
    status_code=201,
    openapi_extra=acts(Action.CHALLENGE_FILE),
    dependencies=[Depends(require(Action.CHALLENGE_FILE))],
)
def file_challenge(
    tender_id: str, body: FilingIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """A supplier's challenge to the purchaser of a procurement tender (质疑)."""
    return service.file_challenge(uow, services, body.command(tender_id))


@router.get(
    "/challenges/{challenge_id}",
    openapi_extra=acts(Action.COMPLAINT_READ),
    dependencies=[Depends(require(Action.COMPLAINT_READ))],
)
def read_challenge(challenge_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return service.challenge_of(services, actor, challenge_id)


@router.post(
    "/challenges/{challenge_id}/answer",
    openapi_extra=acts(Action.CHALLENGE_ANSWER),
    dependencies=[Depends(require(Action.CHALLENGE_ANSWER))],
)
def answer_challenge(
    challenge_id: str, body: AnswerIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return service.answer_challenge(uow, services, challenge_id, body.answer)


@router.post(
    "/tenders/{tender_id}/complaints",
    status_code=201,
    openapi_extra=acts(Action.COMPLAINT_FILE),
    dependencies=[Depends(require(Action.COMPLAINT_FILE))],
)
def file_complaint(
    tender_id: str, body: FilingIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """A complaint to the supervising department (投诉)."""
    return service.file_complaint(uow, services, body.command(tender_id))


@router.get(
    "/tenders/{tender_id}/complaints",
    openapi_extra=acts(Action.COMPLAINT_READ),
    dependencies=[Depends(require(Action.COMPLAINT_READ))],
)
def tender_complaints(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The tender's challenges and complaints the reader is a party to."""
    return service.of_tender(services, actor, tender_id)


@router.get("/tenders/{tender_id}/complaint-decisions", openapi_extra=acts(Action.PUBLIC_READ))
def tender_decisions(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """Public: the tender's suspension (if any) and every published decision, signed."""
    tender = get_tender_for(services.uow(actor), tender_id)
    return service.public_of(services, tender)


@router.get(
    "/complaints",
    openapi_extra=acts(Action.COMPLAINT_HANDLE),
    dependencies=[Depends(require(Action.COMPLAINT_HANDLE))],
)
def open_complaints(actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    """The supervisor's worklist: its centre's open complaints, with their due days."""
    return service.open_for_centre(services, actor)


@router.get(
    "/complaints/{complaint_id}",
    openapi_extra=acts(Action.COMPLAINT_READ),
    dependencies=[Depends(require(Action.COMPLAINT_READ))],
)
def read_complaint(complaint_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return service.complaint_of(services, actor, complaint_id)


@router.get(
    "/complaints/{complaint_id}/evidence/{sha256}",
    openapi_extra=acts(Action.COMPLAINT_READ),
    dependencies=[Depends(require(Action.COMPLAINT_READ))],
    response_class=StreamingResponse,
    responses=STORED_MEDIA_TYPE,
)
def download_evidence(
    complaint_id: str, sha256: str, actor: ActorDep, services: ServicesDep
) -> StreamingResponse:
    """An evidence document of the complaint, as an attachment (parties only)."""
    view = service.complaint_of(services, actor, complaint_id)
    item = next((e for e in view["evidence"] if e["sha256"] == sha256), None)
    if item is None:
        raise NotFound(f"complaint {complaint_id} has no evidence {sha256}")
    filename = str(item["filename"])
    quoted = filename.replace("\\", "_").replace('"', "_")
    return StreamingResponse(
        services.blobs.iter_bytes(sha256),
        media_type="application/octet-stream",
        headers={
            "X-Content-SHA256": sha256,
            "Content-Disposition": (
                f'attachment; filename="{quoted.encode("ascii", "replace").decode()}"; '
                f"filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


def _handle() -> dict[str, Any]:
    return {
        "openapi_extra": acts(Action.COMPLAINT_HANDLE),
        "dependencies": [Depends(require(Action.COMPLAINT_HANDLE))],
    }


@router.post("/complaints/{complaint_id}/accept", **_handle())
def accept(complaint_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Accept the complaint (受理): the decision period starts."""
    return service.accept_complaint(uow, services, complaint_id)


@router.post("/complaints/{complaint_id}/refuse", **_handle())
def refuse(complaint_id: str, body: ReasonIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Refuse to accept it (不予受理), with the reason."""
    return service.refuse_complaint(uow, services, complaint_id, body.reason)


@router.post("/complaints/{complaint_id}/suspend", **_handle())
def suspend(
    complaint_id: str, body: ReasonIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Suspend the tender while the complaint is heard (暂停招标投标活动)."""
    return service.suspend_tender(uow, services, complaint_id, body.reason)


@router.post("/complaints/{complaint_id}/resume", **_handle())
def resume(complaint_id: str, body: NoteIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Lift the suspension before the decision."""
    return service.resume_tender(uow, services, complaint_id, body.note)


@router.post(
    "/complaints/{complaint_id}/withdraw",
    openapi_extra=acts(Action.COMPLAINT_WITHDRAW),
    dependencies=[Depends(require(Action.COMPLAINT_WITHDRAW))],
)
def withdraw(
    complaint_id: str, body: ReasonIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """The complainant withdraws its complaint before the decision."""
    return service.withdraw_complaint(uow, services, complaint_id, body.reason)


@router.post("/complaints/{complaint_id}/decision/to-sign", **_handle())
def decision_to_sign(
    complaint_id: str, body: DecisionIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """The written decision and ``to_sign`` (base64 of its canonical bytes) for the department's
    certificate: sign them with ``prex sig sign`` or a USB key, then POST …/decision."""
    document, data = service.decision_document(services, actor, complaint_id, body.command())
    return {"document": document, "to_sign": base64.b64encode(data).decode()}


@router.post("/complaints/{complaint_id}/decision", **_handle())
def decide(
    complaint_id: str, body: SignedDecisionIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Record the signed decision, publish it and apply it to the tender."""
    return service.decide_complaint(uow, services, complaint_id, body.command(), body.signature)
