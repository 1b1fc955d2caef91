"""Events of listings and auctions (each one an audit entry with its actor and address).

Bidders appear by registration id; the registry of who that is stays with the centre."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent

# -- bidding (prex.auctions.bidding) -----------------------------------------------------------


@dataclass(frozen=True)
class ListingOpened(DomainEvent):
    listing_ends_at: str


@dataclass(frozen=True)
class RoundStarted(DomainEvent):
    round_ends_at: str
    bidders: list[str]  # registration ids in the timed round


@dataclass(frozen=True)
class BidAccepted(DomainEvent):
    seq: int
    registration_id: str
    amount: str
    phase: str
    round_ends_at: str | None
    sha256: str  # of the signed bid's canonical bytes


@dataclass(frozen=True)
class BidRefused(DomainEvent):
    registration_id: str
    amount: str
    reason: str
    best: str | None
    minimum: str


@dataclass(frozen=True)
class RoundJoined(DomainEvent):
    registration_id: str


@dataclass(frozen=True)
class BiddingClosed(DomainEvent):
    result: str  # sold | no-bid | below-reserve
    winner: str | None  # registration id
    price: str | None
    reserve: str | None  # revealed now
    last_seq: int


@dataclass(frozen=True)
class DealConfirmed(DomainEvent):
    sha256: str  # of the confirmation (成交确认书), signed by the platform


@dataclass(frozen=True)
class DepositSettled(DomainEvent):
    registration_id: str
    status: str  # released | applied


# -- set-up, registration and deposits (prex.auctions.listings, registration, deposits) ---------
# The reserve price never appears in an event: only whether there is one, and its commitment.


@dataclass(frozen=True)
class ListingCreated(DomainEvent):
    code: str
    rule_pack_id: str
    kind: str
    method: str
    seller_org_id: str
    start_price: str
    increment: str
    deposit: str
    has_reserve: bool
    opens_at: str
    listing_ends_at: str


@dataclass(frozen=True)
class ListingEdited(DomainEvent):
    fields: list[str]  # the names of the fields changed (``reserve``: resealed, value unlogged)


@dataclass(frozen=True)
class ListingDocumentAttached(DomainEvent):
    document_id: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ListingAnnounced(DomainEvent):
    code: str
    opens_at: str
    listing_ends_at: str
    reserve_commitment: str | None  # SHA-256 of the sealed reserve's canonical JSON


@dataclass(frozen=True)
class ListingCancelled(DomainEvent):
    previous: str  # the status it was cancelled from
    reason: str


@dataclass(frozen=True)
class RegistrationApplied(DomainEvent):
    registration_id: str
    number: str  # 竞买号
    certificate_sha256: str
    sha256: str  # of the signed application's canonical bytes


@dataclass(frozen=True)
class RegistrationReviewed(DomainEvent):
    registration_id: str
    eligibility: str  # approved | refused
    reason: str | None


@dataclass(frozen=True)
class ContinuingDeclared(DomainEvent):
    registration_id: str  # wants to go on to the timed round


@dataclass(frozen=True)
class DepositConfirmed(DomainEvent):
    registration_id: str
    amount: str
    reference: str  # the bank's transaction reference
    source: str  # manual | statement:<sha256> | an adapter's name


@dataclass(frozen=True)
class DepositStatementImported(DomainEvent):
    sha256: str  # of the statement file
    lines: int
    confirmed: int
    unchanged: int  # lines already imported (same reference, same registration)
