"""Events of the tenders context (past tense; see ``prex.shared.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ProjectRegistered(DomainEvent):
    deal_code: str
    name: str
    tenderer_org_id: str
    agency_org_id: str | None
    transaction_type: str
    region_code: str
    budget: str


@dataclass(frozen=True)
class TenderCreated(DomainEvent):
    project_id: str
    title: str
    method: str
    rule_pack: str
    sandbox: bool


@dataclass(frozen=True)
class TenderEdited(DomainEvent):
    changes: dict[str, object]


@dataclass(frozen=True)
class DocumentAttached(DomainEvent):
    document_id: str
    filename: str
    sha256: str
    size: int
    kind: str


@dataclass(frozen=True)
class TenderPublished(DomainEvent):
    deal_code: str
    bid_deadline: datetime
    documents_from: datetime
    documents_until: datetime


@dataclass(frozen=True)
class TenderAmended(DomainEvent):
    amendment_id: str
    kind: str
    affects_bids: bool
    old_deadline: datetime
    new_deadline: datetime
    document_ids: list[str]


@dataclass(frozen=True)
class EnquiryReceived(DomainEvent):
    enquiry_id: str
    kind: str
    org_id: str
    answer_due: datetime | None


@dataclass(frozen=True)
class EnquiryAnswered(DomainEvent):
    enquiry_id: str
    org_id: str
    published: bool


@dataclass(frozen=True)
class DocumentsObtained(DomainEvent):
    org_id: str


@dataclass(frozen=True)
class TenderCancelled(DomainEvent):
    reason: str
    previous_status: str


@dataclass(frozen=True)
class BidDeadlineReached(DomainEvent):
    bid_deadline: datetime


@dataclass(frozen=True)
class TenderStatusChanged(DomainEvent):
    """A step of the later life cycle (opening, evaluation, publicity, award, completion)."""

    previous_status: str
    status: str
    note: str


@dataclass(frozen=True)
class TenderSuspended(DomainEvent):
    complaint_id: str
    complaint_ref: str
    reason: str


@dataclass(frozen=True)
class TenderResumed(DomainEvent):
    complaint_id: str
    note: str
