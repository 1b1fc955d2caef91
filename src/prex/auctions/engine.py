"""The bidding book of one listing, as pure functions: which bid is accepted, when the round
ends, who wins. The service applies them under a row lock, so the server totally orders bids
and this module decides each one on the state it is applied to.

Rules (DOMAIN.md "Listings and auctions"; MLR Order 39):

- A bid is accepted only if it reaches the start price (the first) or beats the current best by
  at least the increment, at the moment it is applied; the leader does not bid against itself.
- During the listing period (挂牌期) bids are quotes; the period's end is exclusive: a quote
  applied at or after it is refused.
- At the end of the listing, if two or more bidders want to go on, a timed round (限时竞价)
  starts: every accepted bid resets a countdown, and the round ends when it expires. A bid
  applied at or after ``round_ends_at`` is refused, whatever the bidder's clock said — the
  server's time of application decides, and the refusal is audited.
- An English auction (拍卖) is a timed round from its start.
- When bidding closes, the best bid wins if it reaches the reserve price; otherwise the listing
  fails. A single bidder at the end wins at its own quote if that reaches the reserve.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class Phase(StrEnum):
    WAITING = "waiting"  # announced; bidding has not started
    LISTING = "listing"  # 挂牌期: quotes
    ROUND = "round"  # 限时竞价 (or an English auction): every bid resets the countdown
    CLOSED = "closed"  # bidding is over; the outcome is decided


class Refusal(StrEnum):
    NOT_OPEN = "not-open"  # before the listing (or the auction) starts
    CLOSED = "closed"  # bidding is over
    LISTING_ENDED = "listing-ended"  # the listing period is over (the round has not begun)
    ROUND_ENDED = "round-ended"  # the countdown expired before the bid was applied
    TOO_LOW = "too-low"  # below the start price, or not the increment above the best
    LEADING = "leading"  # the current leader may not outbid itself
    NOT_IN_ROUND = "not-in-round"  # a bidder who did not join the timed round


@dataclass(frozen=True)
class Book:
    """What the server knows of a listing's bidding at one instant."""

    start_price: Decimal
    increment: Decimal
    countdown: timedelta  # the timed round's countdown, reset by every accepted bid
    opens_at: datetime
    listing_ends_at: datetime  # for an English auction: the instant the auction starts
    phase: Phase = Phase.WAITING
    best: Decimal | None = None
    leader: str | None = None  # the leading registration's id
    seq: int = 0  # the last accepted bid's sequence number (1, 2, 3 … with no gaps)
    round_ends_at: datetime | None = None
    in_round: frozenset[str] = frozenset()  # registrations that joined the timed round

    @property
    def minimum(self) -> Decimal:
        """The least bid that would be accepted now."""
        return self.start_price if self.best is None else self.best + self.increment


@dataclass(frozen=True)
class Accepted:
    seq: int
    bidder: str
    amount: Decimal
    at: datetime
    phase: Phase
    round_ends_at: datetime | None


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    bidder: str
    amount: Decimal
    at: datetime
    best: Decimal | None  # the current price the bidder lost to (None: no bid yet)
    minimum: Decimal  # the least bid that would have been accepted


def open_listing(book: Book, at: datetime) -> Book:
    """The listing period (or an English auction's round) starts at ``opens_at``."""
    if book.phase is not Phase.WAITING or at < book.opens_at:
        return book
    return dataclasses.replace(book, phase=Phase.LISTING)


def start_auction(book: Book, at: datetime, bidders: frozenset[str]) -> Book:
    """An English auction: a timed round from its start, among the admitted bidders."""
    if book.phase is not Phase.WAITING or at < book.opens_at:
        return book
    return dataclasses.replace(
        book, phase=Phase.ROUND, round_ends_at=at + book.countdown, in_round=bidders
    )


def apply_bid(
    book: Book, bidder: str, amount: Decimal, at: datetime
) -> tuple[Book, Accepted | Refused]:
    """Decide one bid on the book as it is when the bid is applied (server time ``at``)."""

    def refuse(reason: Refusal) -> tuple[Book, Refused]:
        return book, Refused(reason, bidder, amount, at, book.best, book.minimum)

    if book.phase is Phase.CLOSED:
        return refuse(Refusal.CLOSED)
    if book.phase is Phase.WAITING:
        return refuse(Refusal.NOT_OPEN)
    if book.phase is Phase.LISTING and at >= book.listing_ends_at:
        return refuse(Refusal.LISTING_ENDED)
    if book.phase is Phase.ROUND:
        assert book.round_ends_at is not None
        if at >= book.round_ends_at:
            return refuse(Refusal.ROUND_ENDED)
        if bidder not in book.in_round:
            return refuse(Refusal.NOT_IN_ROUND)
    if amount < book.minimum:
        return refuse(Refusal.TOO_LOW)
    if bidder == book.leader:
        return refuse(Refusal.LEADING)
    ends = at + book.countdown if book.phase is Phase.ROUND else None
    after = dataclasses.replace(
        book, best=amount, leader=bidder, seq=book.seq + 1, round_ends_at=ends or book.round_ends_at
    )
    return after, Accepted(after.seq, bidder, amount, at, book.phase, after.round_ends_at)


def end_listing(book: Book, at: datetime, continuing: frozenset[str]) -> Book:
    """At the end of the listing period: a timed round when two or more bidders want to go on
    (``continuing``: the registrations that said so, the leader included if it did), else the
    bidding closes on the quotes as they stand."""
    if book.phase is not Phase.LISTING or at < book.listing_ends_at:
        return book
    if len(continuing) >= 2:
        return dataclasses.replace(
            book, phase=Phase.ROUND, round_ends_at=at + book.countdown, in_round=continuing
        )
    return dataclasses.replace(book, phase=Phase.CLOSED)


def end_round(book: Book, at: datetime) -> Book:
    """The countdown expired with no new bid: bidding closes."""
    if book.phase is not Phase.ROUND or book.round_ends_at is None or at < book.round_ends_at:
        return book
    return dataclasses.replace(book, phase=Phase.CLOSED)


class Result(StrEnum):
    SOLD = "sold"  # 成交
    NO_BID = "no-bid"  # 流拍: nobody bid
    BELOW_RESERVE = "below-reserve"  # 流拍: the best bid did not reach the reserve price


@dataclass(frozen=True)
class Outcome:
    result: Result
    winner: str | None
    price: Decimal | None


def outcome(book: Book, reserve: Decimal | None) -> Outcome:
    """The result of a closed book against the reserve price (None: no reserve)."""
    if book.phase is not Phase.CLOSED:
        raise ValueError("the bidding is not closed")
    if book.best is None:
        return Outcome(Result.NO_BID, None, None)
    if reserve is not None and book.best < reserve:
        return Outcome(Result.BELOW_RESERVE, None, book.best)
    return Outcome(Result.SOLD, book.leader, book.best)
