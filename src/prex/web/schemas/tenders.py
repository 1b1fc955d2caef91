"""Schemas of the tenders API: one per purpose (create, update, public view)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prex.tenders.model import (
    AmendmentKind,
    AnnouncementKind,
    DocumentKind,
    EnquiryKind,
    EvaluationMethod,
    Method,
    Tender,
    TenderStatus,
    TransactionType,
)
from prex.web.schemas.common import AwareDatetime, Division, Id, LongText, Text300, Yuan

STRICT = ConfigDict(extra="forbid")


class ProjectCreate(BaseModel):
    model_config = STRICT
    name: Text300
    transaction_type: TransactionType
    region_code: Division
    tenderer_org_id: Id
    agency_org_id: Id | None = None
    budget: Yuan
    funding_source: str = Field(default="", max_length=200)
    approval_ref: str = Field(default="", max_length=200)
    sandbox: bool = False


class ProjectPublic(BaseModel):
    id: str
    deal_code: str
    name: str
    transaction_type: TransactionType
    region_code: str
    tenderer_org_id: str
    agency_org_id: str | None
    budget: Yuan
    sandbox: bool


class SectionIn(BaseModel):
    model_config = STRICT
    name: Text300
    budget: Yuan
    ceiling_price: Yuan | None = None
    qualification: LongText = ""
    duration_days: int | None = Field(default=None, ge=1, le=3650)


class TenderCreate(BaseModel):
    model_config = STRICT
    project_id: Id
    method: Method = Method.OPEN
    rule_pack: str | None = Field(default=None, max_length=64)
    title: Text300
    description: LongText = ""
    qualification: LongText = ""
    evaluation_method: EvaluationMethod = EvaluationMethod.COMPREHENSIVE
    bid_deadline: AwareDatetime
    documents_from: AwareDatetime | None = None
    documents_until: AwareDatetime
    opening_place: str = Field(default="", max_length=300)
    invitee_org_ids: list[Id] = Field(default_factory=list, max_length=200)
    sections: list[SectionIn] = Field(min_length=1, max_length=100)


class TenderUpdate(BaseModel):
    model_config = STRICT
    title: Text300 | None = None
    description: LongText | None = None
    qualification: LongText | None = None
    evaluation_method: EvaluationMethod | None = None
    bid_deadline: AwareDatetime | None = None
    documents_from: AwareDatetime | None = None
    documents_until: AwareDatetime | None = None
    opening_place: str | None = Field(default=None, max_length=300)
    invitee_org_ids: list[Id] | None = Field(default=None, max_length=200)
    sections: list[SectionIn] | None = Field(default=None, min_length=1, max_length=100)


class CancelRequest(BaseModel):
    model_config = STRICT
    reason: str = Field(min_length=1, max_length=2000)


class EnquiryCreate(BaseModel):
    model_config = STRICT
    kind: EnquiryKind = EnquiryKind.QUESTION
    text: str = Field(min_length=1, max_length=5000)


class AnswerCreate(BaseModel):
    model_config = STRICT
    text: str = Field(min_length=1, max_length=10000)
    publish: bool = True


class AmendmentCreate(BaseModel):
    """Form fields of a multipart amendment (the ``files`` parts are read separately)."""

    model_config = ConfigDict(extra="ignore")
    kind: AmendmentKind
    text: str = Field(min_length=1, max_length=20000)
    affects_bids: bool
    new_deadline: AwareDatetime | None = None


class SectionPublic(BaseModel):
    number: int
    name: str
    budget: Yuan
    ceiling_price: Yuan | None
    qualification: str
    duration_days: int | None


class DocumentPublic(BaseModel):
    id: str
    kind: DocumentKind
    filename: str
    sha256: str
    size: int
    media_type: str
    uploaded_at: datetime
    amendment_id: str | None
    url: str


class AmendmentPublic(BaseModel):
    id: str
    number: int
    kind: AmendmentKind
    text: str
    affects_bids: bool
    old_deadline: datetime
    new_deadline: datetime
    issued_at: datetime


class AnnouncementPublic(BaseModel):
    id: str
    kind: AnnouncementKind
    title: str
    body: str
    published_at: datetime


class EnquiryPublic(BaseModel):
    """A published question and answer; the asker is never named to the public."""

    id: str
    kind: EnquiryKind
    text: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


class EnquiryPrivate(EnquiryPublic):
    """What the tender's parties (and the asker) see: who asked and when an answer is due."""

    org_id: str
    answer_due: datetime | None
    answer_published: bool


class TenderSummary(BaseModel):
    id: str
    deal_code: str
    title: str
    transaction_type: TransactionType
    method: Method
    region_code: str
    status: TenderStatus
    published_at: datetime | None
    bid_deadline: datetime
    total_budget: Yuan
    sandbox: bool


class TenderPage(BaseModel):
    items: list[TenderSummary]
    next_cursor: str | None


class SuspensionPublic(BaseModel):
    complaint_id: str
    complaint_number: str
    reason: str
    since: datetime | None


class TenderPublic(BaseModel):
    id: str
    project_id: str
    deal_code: str
    title: str
    description: str
    qualification: str
    transaction_type: TransactionType
    method: Method
    rule_pack: str
    evaluation_method: EvaluationMethod
    region_code: str
    status: TenderStatus
    status_note: str
    published_at: datetime | None
    documents_from: datetime | None
    documents_until: datetime
    bid_deadline: datetime
    opening_place: str
    total_budget: Yuan
    sandbox: bool
    sections: list[SectionPublic]
    documents: list[DocumentPublic]
    amendments: list[AmendmentPublic]
    announcements: list[AnnouncementPublic]
    enquiries: list[EnquiryPublic] | list[EnquiryPrivate]
    allowed_transitions: list[TenderStatus] = []
    # A supervisor's suspension for a complaint (public: which complaint, and why).
    suspension: SuspensionPublic | None = None

    @classmethod
    def of(cls, tender: Tender, *, private_enquiries_for: str | None | bool = None) -> TenderPublic:
        """Build the public view; ``private_enquiries_for`` is True for the tender's parties
        (all enquiries, with askers) or an organisation id (its own enquiries + published)."""
        from prex.tenders.model import allowed_transitions

        enquiries: list[Any]
        if private_enquiries_for is True:
            enquiries = [
                EnquiryPrivate.model_validate(e, from_attributes=True) for e in tender.enquiries
            ]
        else:
            own = private_enquiries_for if isinstance(private_enquiries_for, str) else None
            enquiries = [
                (EnquiryPrivate if e.org_id == own else EnquiryPublic).model_validate(
                    e, from_attributes=True
                )
                for e in tender.enquiries
                if e.answer_published or (own is not None and e.org_id == own)
            ]
        return cls(
            id=tender.id,
            project_id=tender.project_id,
            deal_code=tender.deal_code,
            title=tender.title,
            description=tender.description,
            qualification=tender.qualification,
            transaction_type=tender.transaction_type,
            method=tender.method,
            rule_pack=tender.rule_pack_id,
            evaluation_method=tender.evaluation_method,
            region_code=tender.region_code,
            status=tender.status,
            status_note=tender.status_note,
            published_at=tender.published_at,
            documents_from=tender.documents_from,
            documents_until=tender.documents_until,
            bid_deadline=tender.bid_deadline,
            opening_place=tender.opening_place,
            suspension=None
            if tender.suspended_by_complaint is None
            else SuspensionPublic(
                complaint_id=tender.suspended_by_complaint,
                complaint_number=tender.suspension_ref,
                reason=tender.suspension_reason,
                since=tender.suspended_at,
            ),
            total_budget=tender.total_budget,
            sandbox=tender.sandbox,
            sections=[
                SectionPublic.model_validate(s, from_attributes=True) for s in tender.sections
            ],
            documents=[
                DocumentPublic(
                    id=d.id,
                    kind=d.kind,
                    filename=d.filename,
                    sha256=d.sha256,
                    size=d.size,
                    media_type=d.media_type,
                    uploaded_at=d.uploaded_at,
                    amendment_id=d.amendment_id,
                    url=f"/api/v1/tenders/{tender.id}/documents/{d.id}",
                )
                for d in tender.documents
            ],
            amendments=[
                AmendmentPublic.model_validate(a, from_attributes=True) for a in tender.amendments
            ],
            announcements=[
                AnnouncementPublic.model_validate(a, from_attributes=True)
                for a in tender.announcements
            ],
            enquiries=enquiries,
            allowed_transitions=sorted(allowed_transitions(tender.status)),
        )
