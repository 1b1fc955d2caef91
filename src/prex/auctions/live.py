"""What the live bidding channel reads besides the book (:func:`prex.auctions.views.book_view`):
a cheap mark that changes whenever the book does, every accepted bid after a sequence number
(so that a client that lost its connection catches up without gaps), and the reader's own
bidder number. Bidders appear to others only by number (竞买号), never by organisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from prex.auctions.book import BIDDING
from prex.auctions.orm import listing_bids, listing_registrations, listings
from prex.shared.clock import iso_utc
from prex.shared.errors import NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services

#: At most this many bids in one catch-up message; the channel sends several when more are due.
CATCH_UP = 500


def book_mark(services: Services, listing_id: str) -> tuple[Any, ...]:
    """What changes whenever the book does — status, sequence, countdown, last write — read
    from the listing row alone (one indexed lookup, no joins), so that it can be polled often.
    """
    with services.read_session() as session:
        row = session.execute(
            select(
                listings.c.status, listings.c.seq, listings.c.round_ends_at, listings.c.updated_at
            ).where(listings.c.id == listing_id)
        ).first()
    if row is None or row.status == "draft":
        raise NotFound(f"no listing '{listing_id}'")
    return (row.status, row.seq, iso_utc(row.round_ends_at), iso_utc(row.updated_at))


def _public_bids() -> Select[Any]:
    """Accepted bids as everyone sees them: by bidder number, never by bidder."""
    return select(
        listing_bids.c.seq,
        listing_registrations.c.number,
        listing_bids.c.amount,
        listing_bids.c.at,
        listing_bids.c.phase,
        listing_bids.c.round_ends_at,
    ).join(listing_registrations, listing_registrations.c.id == listing_bids.c.registration_id)


def public_bid(row: Any) -> dict[str, Any]:
    """One row of :func:`_public_bids` as the live channel and the feed send it."""
    return {
        "seq": row.seq,
        "number": row.number,
        "amount": row.amount,
        "at": iso_utc(row.at),
        "phase": row.phase,
        "round_ends_at": iso_utc(row.round_ends_at),
    }


def bids_after(
    services: Services, listing_id: str, seq: int, *, limit: int = CATCH_UP
) -> list[dict[str, Any]]:
    """The accepted bids with a sequence number above ``seq``, in order (at most ``limit``):
    each by bidder number, with its amount, time, phase and the countdown it set."""
    with services.read_session() as session:
        rows = session.execute(
            _public_bids()
            .where(listing_bids.c.listing_id == listing_id, listing_bids.c.seq > seq)
            .order_by(listing_bids.c.seq)
            .limit(limit)
        ).all()
    return [public_bid(r) for r in rows]


def bid_of_amount(session: Any, listing_id: str, amount: str) -> dict[str, Any] | None:
    """The accepted bid of ``amount`` on the listing — unique, since every accepted bid is
    higher than the last — or None."""
    row = session.execute(
        _public_bids().where(
            listing_bids.c.listing_id == listing_id, listing_bids.c.amount == amount
        )
    ).first()
    return None if row is None else public_bid(row)


def bidder_view(services: Services, listing_id: str, org_id: str | None) -> dict[str, Any]:
    """The reader's own standing on the listing: its bidder number (None when its organisation
    has not registered) and whether it may bid now (admitted, deposit confirmed, bidding open).
    """
    if org_id is None:
        return {"number": None, "may_bid": False}
    with services.read_session() as session:
        row = session.execute(
            select(
                listing_registrations.c.number,
                listing_registrations.c.eligibility,
                listing_registrations.c.deposit_status,
                listings.c.status,
            )
            .join(listings, listings.c.id == listing_registrations.c.listing_id)
            .where(
                listing_registrations.c.listing_id == listing_id,
                listing_registrations.c.org_id == org_id,
            )
        ).first()
    if row is None:
        return {"number": None, "may_bid": False}
    return {
        "number": row.number,
        "may_bid": row.eligibility == "approved"
        and row.deposit_status == "confirmed"
        and row.status in BIDDING,
    }
