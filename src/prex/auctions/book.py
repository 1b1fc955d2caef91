"""Reading and writing the bidding book on a listing row (``prex.auctions.engine.Book``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from prex.auctions.engine import Book, Phase
from prex.auctions.orm import listings
from prex.shared.clock import ensure_utc

#: listings.status ↔ the book's phase (closed listings are ``sold`` or ``failed``).
STATUS_OF_PHASE = {Phase.WAITING: "announced", Phase.LISTING: "listing", Phase.ROUND: "round"}
PHASE_OF_STATUS = {
    "announced": Phase.WAITING,
    "listing": Phase.LISTING,
    "round": Phase.ROUND,
    "sold": Phase.CLOSED,
    "failed": Phase.CLOSED,
}
BIDDING = ("announced", "listing", "round")


def _utc(value: Any) -> datetime | None:
    return None if value is None else ensure_utc(value)


def book_of(row: Any) -> Book:
    return Book(
        start_price=Decimal(row.start_price),
        increment=Decimal(row.increment),
        countdown=timedelta(seconds=row.countdown_seconds),
        opens_at=ensure_utc(row.opens_at),
        listing_ends_at=ensure_utc(row.listing_ends_at),
        phase=PHASE_OF_STATUS[row.status],
        best=None if row.best is None else Decimal(row.best),
        leader=row.leader_id,
        seq=row.seq or 0,
        round_ends_at=_utc(row.round_ends_at),
        in_round=frozenset(row.in_round or ()),
    )


def next_check(book: Book) -> datetime | None:
    """When the worker must look at the listing again."""
    return {
        Phase.WAITING: book.opens_at,
        Phase.LISTING: book.listing_ends_at,
        Phase.ROUND: book.round_ends_at,
    }.get(book.phase)


def store(session: Any, listing_id: str, book: Book, at: datetime, **values: Any) -> None:
    """Write the book back; a closed book's status is the caller's (sold or failed)."""
    if book.phase is not Phase.CLOSED:
        values.setdefault("status", STATUS_OF_PHASE[book.phase])
    session.execute(
        update(listings)
        .where(listings.c.id == listing_id)
        .values(
            best=None if book.best is None else format(book.best, "f"),
            leader_id=book.leader,
            seq=book.seq,
            round_ends_at=book.round_ends_at,
            in_round=sorted(book.in_round),
            next_check=next_check(book),
            updated_at=at,
            **values,
        )
    )
