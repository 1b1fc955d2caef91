"""What the dataset builders read: plain, frozen snapshots of one deal's public facts.

``sources`` fills them from the database; ``builders`` turns them into dataset records. Keeping
the snapshot free of SQLAlchemy lets the builders be pure functions, tested with hypothesis.
Only what may be public at the time of the snapshot is in it (``sources`` decides): bidders only
after the opening, experts only once the result is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str


@dataclass(frozen=True)
class Header:
    """The fields every record carries."""

    platform_code: str
    pub_service_plat_code: str
    data_timestamp: datetime


@dataclass(frozen=True)
class SectionFacts:
    id: str
    number: int
    name: str
    budget: Decimal
    ceiling_price: Decimal | None
    duration_days: int | None


@dataclass(frozen=True)
class OpenedBidFacts:
    section_id: str
    bidder: Party
    price: Decimal | None  # None: not decrypted (revoked or withdrawn at the opening)
    duration_days: int | None
    bond_kind: str | None
    submitted_at: datetime
    outcome: str  # opened | revoked | withdrawn


@dataclass(frozen=True)
class OpeningFacts:
    opened_at: datetime
    record_sha256: str | None
    bids: tuple[OpenedBidFacts, ...]


@dataclass(frozen=True)
class CandidateFacts:
    section_id: str
    order: int
    bidder: Party
    price: Decimal
    evaluated_price: Decimal


@dataclass(frozen=True)
class ExpertFacts:
    seq: int
    name: str
    specialty: str
    venue: str


@dataclass(frozen=True)
class ResultFacts:
    """The published evaluation result (candidates, or a failure) and the revealed committee."""

    published_at: datetime
    publicity_until: datetime | None
    candidates: tuple[CandidateFacts, ...]
    committee: tuple[ExpertFacts, ...]


@dataclass(frozen=True)
class NoticeFacts:
    section_id: str
    winner: Party
    price: Decimal
    issued_at: datetime


@dataclass(frozen=True)
class ObjectionFacts:
    id: str
    stage: str  # result (对评标结果的异议) | opening (开标异议)
    objector: Party
    filed_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class TenderFacts:
    """A published tender and what has become public of it."""

    deal_code: str
    procurement: bool
    open_method: bool
    title: str
    project_name: str
    region_code: str
    tenderer: Party
    agency: Party | None
    budget: Decimal
    published_at: datetime
    bid_deadline: datetime
    status: str
    status_changed_at: datetime
    status_note: str
    sections: tuple[SectionFacts, ...]
    opening: OpeningFacts | None = None
    result: ResultFacts | None = None
    notices: tuple[NoticeFacts, ...] = ()
    objections: tuple[ObjectionFacts, ...] = ()
    redraws: tuple[datetime, ...] = field(default=())  # committees dissolved and redrawn


@dataclass(frozen=True)
class ListingFacts:
    """An announced listing or auction and, once closed, its outcome."""

    deal_code: str
    kind: str  # land_use | mining | equity
    method: str  # listing | auction
    code: str
    title: str
    seller: Party
    start_price: Decimal
    increment: Decimal
    deposit: Decimal
    announced_at: datetime
    opens_at: datetime
    listing_ends_at: datetime
    result: str | None = None  # sold | no-bid | below-reserve, once closed
    buyer: Party | None = None
    price: Decimal | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class CreditFacts:
    """A credit record of an organisation as the public saw it: published (or revoked after
    publication). Experts' records and unpublished ones never make a snapshot."""

    id: str
    kind: str  # violation | blacklist | reward | performance
    subject: Party
    authority: str
    basis: str
    facts: str
    valid_from: str  # ISO date
    valid_until: str | None
    scope: str
    scope_value: str | None
    grade: str | None
    published_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
