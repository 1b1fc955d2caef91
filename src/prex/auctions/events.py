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
