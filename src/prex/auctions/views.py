"""What everyone sees of a listing's bidding: the server's clock and price, the countdown, the
accepted bids by bidder number (竞买号) — never who the bidder is — and, once it closes, the
outcome and the signed confirmation of the deal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.auctions import live
from prex.auctions.book import book_of
from prex.auctions.orm import listing_bids, listing_registrations, listings
from prex.shared.clock import iso_utc
from prex.shared.errors import NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services


def _public_row(session: Any, listing_id: str) -> Any:
    row = session.execute(select(listings).where(listings.c.id == listing_id)).first()
    if row is None or row.status == "draft":
        raise NotFound(f"no listing '{listing_id}'")
    return row


def book_view(services: Services, listing_id: str, *, last: int = 50) -> dict[str, Any]:
    """The live state of the bidding; ``bids`` are the last ``last`` accepted ones (none read
    when ``last`` is 0)."""
    with services.read_session() as session:
        row = _public_row(session, listing_id)
        numbers = dict(
            session.execute(
                select(listing_registrations.c.id, listing_registrations.c.number).where(
                    listing_registrations.c.listing_id == listing_id
                )
            ).all()
        )
        bids: list[Any] = []
        if last:
            bids = list(
                session.execute(
                    select(
                        listing_bids.c.seq, listing_bids.c.registration_id, listing_bids.c.amount
                    )
                    .add_columns(listing_bids.c.at, listing_bids.c.phase)
                    .where(listing_bids.c.listing_id == listing_id)
                    .order_by(listing_bids.c.seq.desc())
                    .limit(last)
                )
            )
    book = book_of(row) if row.status != "cancelled" else None
    return {
        "listing_id": row.id,
        "code": row.code,
        "title": row.title,
        "method": row.method,
        "status": row.status,
        "server_time": services.clock.now().isoformat(),
        "opens_at": iso_utc(row.opens_at),
        "listing_ends_at": iso_utc(row.listing_ends_at),
        "round_ends_at": iso_utc(row.round_ends_at),
        "countdown_seconds": row.countdown_seconds,
        "start_price": row.start_price,
        "increment": row.increment,
        "best": row.best,
        "leader": numbers.get(row.leader_id) if row.leader_id else None,
        "seq": row.seq,
        "minimum_next": None if book is None else format(book.minimum, "f"),
        "in_round": sorted(numbers[r] for r in row.in_round or () if r in numbers),
        "bids": [
            {
                "seq": b.seq,
                "number": numbers.get(b.registration_id),
                "amount": b.amount,
                "at": iso_utc(b.at),
                "phase": b.phase,
            }
            for b in bids
        ],
    }


def result_view(services: Services, listing_id: str) -> dict[str, Any]:
    """The outcome once bidding has closed: the result, the revealed reserve, and for a sale
    the confirmation of the deal with the platform's signature and timestamp."""
    with services.read_session() as session:
        row = _public_row(session, listing_id)
        numbers = dict(
            session.execute(
                select(listing_registrations.c.id, listing_registrations.c.number).where(
                    listing_registrations.c.listing_id == listing_id
                )
            ).all()
        )
    if row.outcome is None:
        raise NotFound(f"listing {listing_id} has no result yet")
    outcome = dict(row.outcome)
    outcome["winner"] = numbers.get(outcome.get("winner") or "")
    return {
        "listing_id": row.id,
        "code": row.code,
        "status": row.status,
        "closed_at": iso_utc(row.closed_at),
        "published_until": iso_utc(row.result_until),
        "outcome": outcome,
        "confirmation": row.confirmation,
        "sha256": row.confirmation_sha256,
        "signature": row.confirmation_signature,
        "timestamp": row.confirmation_timestamp,
    }


def accepted_bid(services: Services, listing_id: str, amount: str) -> dict[str, Any] | None:
    """One accepted bid as the book shows it (by bidder number), found by its amount — unique
    on a listing, since every accepted bid is higher than the last — or None (a draft listing,
    or no such bid). For the change feed, which carries each bid, not only the newest few."""
    with services.read_session() as session:
        _public_row(session, listing_id)
        return live.bid_of_amount(session, listing_id, amount)
