"""Events of the opening context (each one an audit entry; none carries key material)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ShareReleased(DomainEvent):
    tender_id: str
    share_index: int
    custodian_id: str


@dataclass(frozen=True)
class ShareRefused(DomainEvent):
    tender_id: str
    share_index: int
    custodian_id: str
    reason: str


@dataclass(frozen=True)
class ContentKeyReleased(DomainEvent):
    tender_id: str
    bidder_org_id: str


@dataclass(frozen=True)
class BidderCheckedIn(DomainEvent):
    tender_id: str
    org_id: str


@dataclass(frozen=True)
class BidsOpened(DomainEvent):
    tender_id: str
    shares_used: list[int]
    opened: int
    revoked: int
    withdrawn: int
    unopened: int  # in sections with too few bidders


@dataclass(frozen=True)
class BidOpened(DomainEvent):
    tender_id: str
    section_id: str
    bidder_org_id: str
    envelope_sha256: str
    outcome: str
    fault: str | None
    reason: str | None
    price: str | None


@dataclass(frozen=True)
class OpeningStatementMade(DomainEvent):
    tender_id: str
    org_id: str
    kind: str
    text: str


@dataclass(frozen=True)
class ObjectionAnswered(DomainEvent):
    tender_id: str
    answer: str


@dataclass(frozen=True)
class OpeningRecordPublished(DomainEvent):
    tender_id: str
    sha256: str
