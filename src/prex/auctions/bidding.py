"""Placing a bid: checked and signed outside the lock, then decided by
:func:`prex.auctions.engine.apply_bid` on the listing row locked for the decision, so the server
totally orders bids — on SQLite (the write lock) and on PostgreSQL (``FOR UPDATE``) alike, with
any number of server processes. Exactly one of several bids at the same next price is accepted;
the others are refused with the new current price. A refusal is audited too: the server's
decision is final and on the record.

A bidder signs ``{"act":"listing-bid","amount":…,"listing_id":…,"number":…}`` in canonical
JSON with its organisation's certificate; the platform timestamps the signature (RFC 3161).
"""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from prex.auctions import events as ev
from prex.auctions.book import BIDDING, book_of, store
from prex.auctions.engine import Accepted, apply_bid
from prex.auctions.orm import listing_bids, listing_registrations, listings
from prex.award.acts import act_bytes, signature_der, verify_organisation
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import Action, authorize
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from prex.bootstrap import Services


class BidRefused(Conflict):
    """The bid lost: the book moved on (or the period is over) when it was applied."""

    slug = "bid-refused"


def bid_bytes(listing_id: str, number: str, amount: Decimal) -> bytes:
    """What a bidder signs for one bid."""
    return act_bytes(
        "listing-bid", listing_id=listing_id, number=number, amount=format(amount, "f")
    )


def parse_amount(text: str) -> Decimal:
    """Yuan with at most two decimal places, positive, below a trillion."""
    try:
        amount = Decimal(text)
    except (InvalidOperation, TypeError):
        raise InvalidInput("amount is a decimal number of yuan", field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        raise InvalidInput("amount is a positive number of yuan", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("amount has at most two decimal places (fen)", field="amount")
    return amount.quantize(Decimal("0.01"))


def _bidder(session: Any, listing_id: str, org_id: str | None) -> Any:
    """The actor's registration, admitted and with its deposit confirmed."""
    row = session.execute(
        select(
            listing_registrations.c.id,
            listing_registrations.c.number,
            listing_registrations.c.eligibility,
            listing_registrations.c.deposit_status,
            organisations.c.uscc,
            organisations.c.name,
        )
        .join(organisations, organisations.c.id == listing_registrations.c.org_id)
        .where(
            listing_registrations.c.listing_id == listing_id,
            listing_registrations.c.org_id == org_id,
        )
    ).first()
    if row is None:
        raise PermissionDenied("only a registered bidder of this listing may bid")
    if row.eligibility != "approved":
        raise PermissionDenied(f"bidder {row.number} is not admitted ({row.eligibility})")
    if row.deposit_status != "confirmed":
        raise PermissionDenied(
            f"bidder {row.number} may bid once its deposit is confirmed ({row.deposit_status})"
        )
    return row


def place_bid(
    uow: SqlUnitOfWork, services: Services, listing_id: str, amount_text: str, signature: str
) -> dict[str, Any]:
    authorize(uow.actor, Action.LISTING_BID)
    amount = parse_amount(amount_text)
    der = signature_der(signature)
    with services.read_session() as session:
        found = session.execute(select(listings).where(listings.c.id == listing_id)).first()
        status = None if found is None else found.status
        if found is None or status == "draft":
            raise NotFound(f"no listing '{listing_id}'")
        if status not in BIDDING:
            raise BidRefused(f"listing {listing_id} is {status}: bidding is over", reason="closed")
        bidder = _bidder(session, listing_id, uow.actor.org_id)
    data = bid_bytes(listing_id, bidder.number, amount)
    verdict = verify_organisation(services, data, der, uscc=bidder.uscc, name=bidder.name)
    # The minimum only rises: a bid under it now is refused under the lock too (and audited
    # there), so only a bid that may win is timestamped — most bids in a rush lose.
    floor = book_of(found).minimum
    token = _stamp(services, der) if amount >= floor else None
    with uow:
        row = uow.session.execute(
            select(listings).where(listings.c.id == listing_id).with_for_update()
        ).one()
        if row.status not in BIDDING:
            raise BidRefused(f"listing {listing_id} is {row.status}", reason="closed")
        at = uow.clock.now()
        after, decision = apply_bid(book_of(row), bidder.id, amount, at)
        if not isinstance(decision, Accepted):
            uow.record(
                ev.BidRefused(
                    "listing",
                    listing_id,
                    at,
                    registration_id=bidder.id,
                    amount=format(amount, "f"),
                    reason=decision.reason.value,
                    best=None if decision.best is None else format(decision.best, "f"),
                    minimum=format(decision.minimum, "f"),
                )
            )
            uow.commit()
            raise BidRefused(
                _refusal_text(decision.reason.value, decision.best, decision.minimum),
                reason=decision.reason.value,
                best=None if decision.best is None else format(decision.best, "f"),
                minimum=format(decision.minimum, "f"),
                seq=row.seq,
            )
        token = token or _stamp(services, der)  # not reached: a bid under the floor loses
        digest = hashlib.sha256(data).hexdigest()
        uow.session.execute(
            insert(listing_bids).values(
                listing_id=listing_id,
                seq=decision.seq,
                registration_id=bidder.id,
                amount=format(amount, "f"),
                at=at,
                phase=decision.phase.value,
                round_ends_at=decision.round_ends_at,
                signature=der,
                certificate_sha256=verdict.check.signer.fingerprint,
                timestamp=base64.b64encode(token).decode(),
            )
        )
        store(uow.session, listing_id, after, at)
        uow.record(
            ev.BidAccepted(
                "listing",
                listing_id,
                at,
                seq=decision.seq,
                registration_id=bidder.id,
                amount=format(amount, "f"),
                phase=decision.phase.value,
                round_ends_at=None
                if decision.round_ends_at is None
                else decision.round_ends_at.isoformat(),
                sha256=digest,
            )
        )
        uow.commit()
    return {
        "listing_id": listing_id,
        "seq": decision.seq,
        "number": bidder.number,
        "amount": format(amount, "f"),
        "at": at.isoformat(),
        "phase": decision.phase.value,
        "round_ends_at": None
        if decision.round_ends_at is None
        else decision.round_ends_at.isoformat(),
        "minimum_next": format(after.minimum, "f"),
    }


def _stamp(services: Services, der: bytes) -> bytes:
    """The platform's RFC 3161 timestamp over the bid's signature."""
    return services.pki.timestamp_authority().stamp(hashlib.sha256(der).digest())


_REASONS = {
    "not-open": "bidding has not started",
    "closed": "bidding is over",
    "listing-ended": "the listing period is over",
    "round-ended": "the countdown had expired when the bid arrived; the server's time decides",
    "too-low": "the bid does not reach the minimum",
    "leading": "you already hold the best bid",
    "not-in-round": "only the bidders who joined the timed round may bid in it",
}


def _refusal_text(reason: str, best: Decimal | None, minimum: Decimal) -> str:
    current = "no bid yet" if best is None else f"the current price is {best}"
    return f"bid refused: {_REASONS[reason]} ({current}; the minimum now is {minimum})"
