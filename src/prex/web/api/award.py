"""HTTP API of the award stage: the evaluation report (drawn up, signed by every sitting
expert, read as JSON or PDF), the result's publication, objections and their answers, award
notices, the contract and its countersignature, and the re-tender of a failed tender. Every
signature is base64 DER over the canonical bytes the API states (``to_sign``)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from prex.award import awarding, reporting, rounds
from prex.award.awarding import ContractTerms
from prex.identity.policy import Action
from prex.tenders.service import get_tender_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["award"])

_SIGNATURE = Field(min_length=16, max_length=90000)
_TEXT = Field(min_length=1, max_length=awarding.MAX_TEXT)


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signature: str = _SIGNATURE  # base64 of the detached CMS / GB/T 35275 DER


class ReportSignatureIn(BaseModel):
    """The member's signature over the report's ``to_sign`` bytes; a member who disagrees adds
    its reasons and a signature over ``{"act":"report-dissent","dissent":…,"report_sha256":…}``."""

    model_config = ConfigDict(extra="forbid")
    signature: str = _SIGNATURE
    dissent: str = Field(default="", max_length=reporting.MAX_DISSENT)
    dissent_signature: str | None = Field(default=None, min_length=16, max_length=90000)


class RefusalIn(BaseModel):
    """A member who would not sign and gave no written reason (deemed to agree)."""

    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=32)  # the member's pseudonym
    note: str = Field(min_length=1, max_length=reporting.MAX_DISSENT)


class ObjectionIn(BaseModel):
    """The objection's text and the bidder's signature over
    ``{"act":"result-objection","tender_id":…,"text":…}`` in canonical JSON."""

    model_config = ConfigDict(extra="forbid")
    text: str = _TEXT
    signature: str = _SIGNATURE


class AnswerIn(BaseModel):
    """The answer and the tenderer's signature over
    ``{"act":"result-objection-answer","answer":…,"objection_id":…}``."""

    model_config = ConfigDict(extra="forbid")
    answer: str = _TEXT
    signature: str = _SIGNATURE


class AwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section_id: str = Field(min_length=1, max_length=26)
    bid_id: str | None = Field(default=None, min_length=1, max_length=26)  # default: rank 1
    reason: str = Field(default="", max_length=awarding.MAX_TEXT)  # required for another rank


class TermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section_id: str = Field(min_length=1, max_length=26)
    value: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    signed_on: date
    starts_on: date
    ends_on: date

    def terms(self) -> ContractTerms:
        return ContractTerms(self.value, self.signed_on, self.starts_on, self.ends_on)


class ContractIn(TermsIn):
    signature: str = _SIGNATURE


class RetenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bid_deadline: datetime
    documents_until: datetime


@router.post(
    "/tenders/{tender_id}/report",
    status_code=201,
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def draw_up_report(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Draw up the report (JSON and PDF) of a complete evaluation."""
    return reporting.draw_up(uow, services, tender_id)


@router.get("/tenders/{tender_id}/report", openapi_extra=acts(Action.REPORT_READ))
def read_report(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The report, ``to_sign`` (base64 of its canonical bytes) and the members' signatures;
    before publication for the sitting members, the tender's parties and the centre only."""
    return reporting.report_of(services, actor, tender_id)


@router.get(
    "/tenders/{tender_id}/report.pdf",
    openapi_extra=acts(Action.REPORT_READ),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def read_report_pdf(tender_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    pdf = reporting.report_pdf(services, actor, tender_id)
    return Response(pdf, media_type="application/pdf")


@router.get("/tenders/{tender_id}/report/history", openapi_extra=acts(Action.REPORT_READ))
def read_report_history(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The evaluation rounds a complaint decision superseded (重新评审), oldest first: each
    with its report, ``to_sign``, signatures, refusals and objections, kept as evidence; and
    the number of the round being run."""
    return rounds.rounds_of(services, actor, tender_id)


@router.get("/tenders/{tender_id}/publicity/report", openapi_extra=acts(Action.PUBLIC_READ))
def read_published_report(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The signed report, for everyone once the result is published (committee named)."""
    return reporting.report_of(services, actor, tender_id, published=True)


@router.get(
    "/tenders/{tender_id}/publicity/report.pdf",
    openapi_extra=acts(Action.PUBLIC_READ),
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def read_published_report_pdf(tender_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    pdf = reporting.report_pdf(services, actor, tender_id, published=True)
    return Response(pdf, media_type="application/pdf")


@router.post(
    "/tenders/{tender_id}/report/signatures",
    status_code=201,
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def sign_report(
    tender_id: str, body: ReportSignatureIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """A sitting member's signature with a personal certificate of the expert's own ID."""
    return reporting.sign(
        uow,
        services,
        tender_id,
        body.signature,
        dissent=body.dissent,
        dissent_signature=body.dissent_signature,
    )


@router.post(
    "/tenders/{tender_id}/report/refusals",
    status_code=201,
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def record_refusal(
    tender_id: str, body: RefusalIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """The centre records a member's refusal to sign without written reasons (实施条例 第五十三条:
    deemed to agree), so that publication no longer waits for that signature."""
    return reporting.record_refusal(uow, services, tender_id, body.member, body.note)


@router.post(
    "/tenders/{tender_id}/publicity",
    openapi_extra=acts(Action.RESULT_PUBLISH),
    dependencies=[Depends(require(Action.RESULT_PUBLISH))],
)
def publish_result(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Publish the signed result: candidates' publicity, or the tender fails (all rejected)."""
    return reporting.publish(uow, services, tender_id)


@router.get("/tenders/{tender_id}/publicity", openapi_extra=acts(Action.PUBLIC_READ))
def read_publicity(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """For everyone once published: candidates, objections' state, notices and contracts."""
    get_tender_for(services.uow(actor), tender_id)
    return awarding.published_of(services, tender_id)


@router.post(
    "/tenders/{tender_id}/objections",
    status_code=201,
    openapi_extra=acts(Action.RESULT_OBJECT),
    dependencies=[Depends(require(Action.RESULT_OBJECT))],
)
def object_to_result(
    tender_id: str, body: ObjectionIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return awarding.file_objection(uow, services, tender_id, body.text, body.signature)


@router.post(
    "/objections/{objection_id}/answer",
    openapi_extra=acts(Action.RESULT_ANSWER),
    dependencies=[Depends(require(Action.RESULT_ANSWER))],
)
def answer_objection(
    objection_id: str, body: AnswerIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return awarding.answer_objection(uow, services, objection_id, body.answer, body.signature)


@router.post(
    "/tenders/{tender_id}/awards",
    status_code=201,
    openapi_extra=acts(Action.AWARD_ISSUE),
    dependencies=[Depends(require(Action.AWARD_ISSUE))],
)
def issue_award(
    tender_id: str, body: AwardIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """The award notice of a section, signed by the platform and timestamped."""
    return awarding.issue_award(
        uow, services, tender_id, body.section_id, bid_id=body.bid_id, reason=body.reason
    )


@router.post(
    "/tenders/{tender_id}/contracts/to-sign",
    openapi_extra=acts(Action.CONTRACT_RECORD),
    dependencies=[Depends(require(Action.CONTRACT_RECORD))],
)
def contract_to_sign(
    tender_id: str, body: TermsIn, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """The contract these terms make and ``to_sign``, checked against the award; nothing kept."""
    tender = get_tender_for(services.uow(actor), tender_id)
    document, data = awarding.contract_to_sign(
        services, tender, body.section_id, actor.org_id, body.terms()
    )
    return {"contract": document, "to_sign": base64.b64encode(data).decode()}


@router.post(
    "/tenders/{tender_id}/contracts",
    status_code=201,
    openapi_extra=acts(Action.CONTRACT_RECORD),
    dependencies=[Depends(require(Action.CONTRACT_RECORD))],
)
def record_contract(
    tender_id: str, body: ContractIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return awarding.record_contract(
        uow, services, tender_id, body.section_id, body.terms(), body.signature
    )


@router.post(
    "/tenders/{tender_id}/contracts/{section_id}/countersign",
    openapi_extra=acts(Action.CONTRACT_COUNTERSIGN),
    dependencies=[Depends(require(Action.CONTRACT_COUNTERSIGN))],
)
def countersign_contract(
    tender_id: str, section_id: str, body: SignatureIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return awarding.countersign_contract(uow, services, tender_id, section_id, body.signature)


@router.post(
    "/tenders/{tender_id}/retender",
    status_code=201,
    openapi_extra=acts(Action.TENDER_CREATE),
    dependencies=[Depends(require(Action.TENDER_CREATE))],
)
def retender(
    tender_id: str, body: RetenderIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """A new draft of a failed tender (重新招标), same project, sections and rules."""
    return awarding.retender(
        uow,
        services,
        tender_id,
        bid_deadline=body.bid_deadline,
        documents_until=body.documents_until,
    )
