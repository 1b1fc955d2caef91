"""The timed transitions of a listing, run by ``prex worker`` (and safe in several workers at
once: each listing is re-read under its row lock and each step is idempotent):

- announced → listing at ``opens_at`` (an English auction → its round, among the admitted
  bidders with confirmed deposits);
- listing → round at ``listing_ends_at`` when two or more admitted bidders declared they go on,
  else closed on the quotes as they stand;
- round → closed when the countdown expires.

Closing unseals the reserve (checked against its commitment), decides the outcome, and for a
sale issues the confirmation of the deal (成交确认书) signed by the platform and timestamped; the
winner's deposit is applied to the price and the others' released; the result stays published
for the rule pack's ``result`` period.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from prex.auctions import events as ev
from prex.auctions.book import book_of, store
from prex.auctions.engine import (
    Book,
    Phase,
    Result,
    end_listing,
    end_round,
    open_listing,
    outcome,
    start_auction,
)
from prex.auctions.orm import listing_bids, listing_registrations, listings
from prex.auctions.reserve import unseal_reserve
from prex.audit.chain import canonical_json
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import SYSTEM
from prex.opening.record import sign_record
from prex.shared import faults

if TYPE_CHECKING:
    from prex.bootstrap import Services

CONFIRMATION_FORMAT = "prex-deal-confirmation"


def _admitted(session: Any, listing_id: str, *, continuing: bool = False) -> frozenset[str]:
    query = select(listing_registrations.c.id).where(
        listing_registrations.c.listing_id == listing_id,
        listing_registrations.c.eligibility == "approved",
        listing_registrations.c.deposit_status == "confirmed",
    )
    if continuing:
        query = query.where(listing_registrations.c.continuing.is_(True))
    return frozenset(session.execute(query).scalars())


def advance(uow: SqlUnitOfWork, services: Services, listing_id: str) -> bool:
    """Apply the listing's due transitions (in the caller's unit of work, which commits);
    True when something changed."""
    row = uow.session.execute(
        select(listings).where(listings.c.id == listing_id).with_for_update()
    ).first()
    if row is None or row.status not in ("announced", "listing", "round"):
        return False
    now = uow.clock.now()
    book = before = book_of(row)
    if book.phase is Phase.WAITING:
        if row.method == "auction":
            book = start_auction(book, now, _admitted(uow.session, listing_id))
        else:
            book = open_listing(book, now)
        if book.phase is Phase.LISTING:
            uow.record(
                ev.ListingOpened(
                    "listing", listing_id, now, listing_ends_at=book.listing_ends_at.isoformat()
                )
            )
    if book.phase is Phase.LISTING:
        continuing = _admitted(uow.session, listing_id, continuing=True)
        book = end_listing(book, now, continuing)
    if book.phase is Phase.ROUND and before.phase is not Phase.ROUND:
        assert book.round_ends_at is not None
        uow.record(
            ev.RoundStarted(
                "listing",
                listing_id,
                now,
                round_ends_at=book.round_ends_at.isoformat(),
                bidders=sorted(book.in_round),
            )
        )
    if book.phase is Phase.ROUND:
        book = end_round(book, now)
    if book == before:
        return False
    if book.phase is Phase.CLOSED:
        _close(uow, services, row, book, now)
    else:
        store(uow.session, listing_id, book, now)
    return True


def _close(uow: SqlUnitOfWork, services: Services, row: Any, book: Book, now: datetime) -> None:
    reserve = unseal_reserve(services, row)
    result = outcome(book, reserve)
    sold = result.result is Result.SOLD
    rules = services.auction_rules.get(row.rule_pack_id)
    values: dict[str, Any] = {
        "status": "sold" if sold else "failed",
        "outcome": {
            "result": result.result.value,
            "winner": result.winner,
            "price": None if result.price is None else format(result.price, "f"),
            "reserve": None if reserve is None else format(reserve, "f"),
            "last_seq": book.seq,
        },
        "reserve": None if reserve is None else format(reserve, "f"),
        "closed_at": now,
        "result_until": rules.earliest("result", now),
    }
    uow.record(
        ev.BiddingClosed(
            "listing",
            row.id,
            now,
            result=result.result.value,
            winner=result.winner,
            price=values["outcome"]["price"],
            reserve=values["reserve"],
            last_seq=book.seq,
        )
    )
    if sold:
        assert result.winner is not None and result.price is not None
        confirmation = _confirmation(uow.session, row, result.winner, values, now)
        signed = sign_record(services, confirmation)
        values |= {
            "confirmation": confirmation,
            "confirmation_sha256": signed.sha256,
            "confirmation_signature": signed.signature,
            "confirmation_timestamp": signed.timestamp,
        }
        uow.record(ev.DealConfirmed("listing", row.id, now, sha256=signed.sha256))
    _settle_deposits(uow, row.id, result.winner if sold else None, now)
    store(uow.session, row.id, book, now, **values)
    faults.point("auctions.closed")  # result, deposits and confirmation written, not committed


def _confirmation(
    session: Any, row: Any, winner: str, values: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The confirmation of the deal: who bought what at which price, and a digest of every
    accepted bid in order, so the record of the bidding is fixed with the deal."""
    buyer = session.execute(
        select(listing_registrations.c.number, organisations.c.name, organisations.c.uscc)
        .join(organisations, organisations.c.id == listing_registrations.c.org_id)
        .where(listing_registrations.c.id == winner)
    ).one()
    seller = session.execute(
        select(organisations.c.name, organisations.c.uscc).where(
            organisations.c.id == row.seller_org_id
        )
    ).one()
    bids = [
        [b.seq, b.registration_id, b.amount, b.at.isoformat()]
        for b in session.execute(
            select(listing_bids)
            .where(listing_bids.c.listing_id == row.id)
            .order_by(listing_bids.c.seq)
        )
    ]
    return {
        "format": CONFIRMATION_FORMAT,
        "version": 1,
        "listing": {"id": row.id, "code": row.code, "title": row.title, "kind": row.kind},
        "seller": {"name": seller.name, "uscc": seller.uscc},
        "buyer": {"name": buyer.name, "uscc": buyer.uscc, "number": buyer.number},
        "price": values["outcome"]["price"],
        "reserve": values["reserve"],
        "bids": len(bids),
        "bids_sha256": hashlib.sha256(canonical_json(bids)).hexdigest(),
        "closed_at": now.isoformat(),
    }


def _settle_deposits(
    uow: SqlUnitOfWork, listing_id: str, winner: str | None, now: datetime
) -> None:
    """The winner's deposit is applied to the price (转作价款); every other one is released."""
    rows = uow.session.execute(
        select(listing_registrations.c.id).where(
            listing_registrations.c.listing_id == listing_id,
            listing_registrations.c.deposit_status == "confirmed",
        )
    ).scalars()
    for registration_id in rows:
        status = "applied" if registration_id == winner else "released"
        uow.session.execute(
            update(listing_registrations)
            .where(listing_registrations.c.id == registration_id)
            .values(deposit_status=status, updated_at=now)
        )
        uow.record(
            ev.DepositSettled(
                "listing", listing_id, now, registration_id=registration_id, status=status
            )
        )


def run_due_listings(services: Services, *, limit: int = 100) -> int:
    """Every listing whose next check is due, advanced once; returns how many changed."""
    with services.read_session() as session:
        due = list(
            session.execute(
                select(listings.c.id)
                .where(listings.c.next_check <= services.clock.now())
                .order_by(listings.c.next_check)
                .limit(limit)
            ).scalars()
        )
    changed = 0
    for listing_id in due:
        uow = services.uow(SYSTEM)
        with uow:
            if advance(uow, services, listing_id):
                uow.commit()
                changed += 1
    return changed
