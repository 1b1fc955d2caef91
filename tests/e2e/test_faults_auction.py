"""Issue 9, faults: a land listing's timed round with the server killed (SIGKILL) around an
accepted bid, and the worker killed while it closes the round.

A bid whose process dies before the commit is not there (the bidder bids again); one whose
process dies right after the commit is there once, with the countdown reset, and the bidder's
retry is refused (its amount is now the price to beat) — never a second bid. The worker killed
with the close written but not committed leaves the round open: no result, deposits untouched,
no ``BiddingClosed``; the next pass closes it once, the confirmation signed once. The audit chain
verifies and the blobs hash to their names after every crash."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.auctions.orm import listing_bids, listing_registrations, listings
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.config import Settings
from prex.shared.clock import FixedClock
from tests.bidding_world import LEAVES, Listing, open_listing
from tests.crash_harness import audit_verifies, blobs_intact, crash_run
from tests.factories import World, auth
from tests.pki_openssl import PkiWorld


def _bid(listing: Listing, leaf: str, amount: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": f"{listing.url}/bids",
        "headers": auth(listing.services, LEAVES[leaf]),
        "json": {"amount": amount, "signature": listing.signature(leaf, amount)},
    }


def _state(listing: Listing) -> tuple[str, list[str], dict[str, int], list[str]]:
    """(status, accepted amounts in order, deposit statuses counted, closing audit actions)."""
    with listing.services.read_session() as s:
        status = s.execute(select(listings.c.status).where(listings.c.id == listing.id)).scalar()
        amounts = list(
            s.execute(
                select(listing_bids.c.amount)
                .where(listing_bids.c.listing_id == listing.id)
                .order_by(listing_bids.c.seq)
            ).scalars()
        )
        deposits: dict[str, int] = dict(
            s.execute(
                select(listing_registrations.c.deposit_status, func.count())
                .where(listing_registrations.c.listing_id == listing.id)
                .group_by(listing_registrations.c.deposit_status)
            ).all()
        )
        closing = list(
            s.execute(
                select(audit_log.c.action)
                .where(
                    audit_log.c.object_id == listing.id,
                    audit_log.c.action.in_(["BiddingClosed", "DealConfirmed"]),
                )
                .order_by(audit_log.c.seq)
            ).scalars()
        )
    return str(status), [str(a) for a in amounts], deposits, closing


def _checked(settings: Settings) -> None:
    audit_verifies(settings)
    blobs_intact(settings)


def test_a_round_survives_kills_around_a_bid_and_during_its_close(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    clock: FixedClock,
    settings: Settings,
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    listing.continuing("ecdsa-org", "ecdsa-p384")
    ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
    listing.at(ends)
    assert listing.book()["status"] == "round"
    deposits: dict[str, int] = {"confirmed": 2, "unpaid": 1}
    assert _state(listing)[2] == deposits

    clock.set(ends + timedelta(seconds=200))
    bid = _bid(listing, "ecdsa-org", "10200000.00")
    lost = crash_run(settings, clock.now(), failpoints="uow.before_commit", requests=[bid])
    assert lost.killed, lost.output
    assert _state(listing) == ("round", ["10000000.00", "10100000.00"], deposits, [])
    _checked(settings)

    kept = crash_run(settings, clock.now(), failpoints="uow.after_commit", requests=[bid])
    assert kept.killed and kept.answers == [], kept.output
    amounts = ["10000000.00", "10100000.00", "10200000.00"]
    assert _state(listing) == ("round", amounts, deposits, [])
    book = listing.book()
    assert datetime.fromisoformat(book["round_ends_at"]) == clock.now() + timedelta(seconds=300)
    retried = listing.bid("ecdsa-org", "10200000.00")  # the bidder, unanswered, tries again
    # Refused: the same amount no longer reaches the minimum over its own accepted bid.
    assert retried.status_code == 409 and retried.json()["reason"] == "too-low", retried.text
    assert _state(listing)[1] == amounts
    _checked(settings)

    end = datetime.fromisoformat(book["round_ends_at"])
    clock.set(end)
    closing = crash_run(settings, end, failpoints="auctions.closed", worker=True)
    assert closing.killed, closing.output
    assert _state(listing) == ("round", amounts, deposits, [])
    unresolved = client.get(f"{listing.url}/result")
    assert "confirmation" not in unresolved.json(), unresolved.text  # no result published
    _checked(settings)

    closed = crash_run(settings, end, failpoints=None, worker=True)
    assert closed.returncode == 0, closed.output
    listing.at(end)  # another pass: nothing more to do
    result = client.get(f"{listing.url}/result").json()
    assert result["status"] == "sold" and result["outcome"]["price"] == "10200000.00"
    assert _state(listing) == (
        "sold",
        amounts,
        {"applied": 1, "released": 1, "unpaid": 1},
        ["BiddingClosed", "DealConfirmed"],
    )
    _checked(settings)
