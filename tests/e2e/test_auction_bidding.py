"""Bidding on a land listing over the API: quotes in the listing period, the timed round with
its countdown reset by every accepted bid and driven by the test clock, a bid arriving exactly
as the countdown ends (refused, audited), the reserve unsealed at close, the confirmation of the
deal signed by the platform and timestamped, deposits applied and released. Then the failure
paths: the reserve not reached, and a single bidder at the end."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.auctions.orm import listing_bids, listing_registrations
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.envelope.container import canonical
from prex.pki.cms import verify_detached
from prex.pki.tsa import verify_token
from prex.shared.clock import FixedClock
from tests.bidding_world import open_listing
from tests.factories import World, chain_of
from tests.pki_openssl import PkiWorld


def refused(response: Any, reason: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    body = dict(response.json())
    assert body["type"] == "/problems/bid-refused" and body["reason"] == reason, body
    return body


def test_a_listing_with_a_timed_round_sells_to_the_last_bid(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    assert listing.book()["status"] == "listing"
    assert "10150000" not in str(listing.book())  # the reserve is nowhere to be seen

    # Quotes during the listing period: the unpaid bidder is refused before anything else.
    unpaid = listing.bid("sm2-org", "10000000.00")
    assert unpaid.status_code == 403 and "deposit" in unpaid.json()["detail"]
    low = refused(listing.bid("ecdsa-org", "9999999.00"), "too-low")
    assert low["minimum"] == "10000000.00" and low.get("best") is None
    first = listing.bid("ecdsa-org", "10000000.00")
    assert first.status_code == 201 and first.json()["seq"] == 1
    forged = listing.bid("ecdsa-p384", "10100000.00", as_leaf="ecdsa-org")
    assert forged.status_code == 422 and "certificate" in forged.json()["type"]
    short = refused(listing.bid("ecdsa-p384", "10050000.00"), "too-low")
    assert short["best"] == "10000000.00" and short["minimum"] == "10100000.00"
    assert listing.bid("ecdsa-p384", "10100000.00").json()["seq"] == 2
    refused(listing.bid("ecdsa-p384", "10300000.00"), "leading")
    book = listing.book()
    assert book["best"] == "10100000.00" and book["leader"] == listing.number["ecdsa-p384"]
    assert [b["number"] for b in book["bids"]] == [
        listing.number["ecdsa-p384"],
        listing.number["ecdsa-org"],
    ]

    # The listing period ends; both paying bidders go on: the timed round starts.
    listing.continuing("ecdsa-org", "ecdsa-p384")
    ends = datetime.fromisoformat(book["listing_ends_at"])
    refused(listing.bid("ecdsa-org", "10150000.00"), "too-low")  # still the listing period
    clock.set(ends)
    refused(listing.bid("ecdsa-org", "10200000.00"), "listing-ended")  # the worker is late
    listing.at(ends)
    book = listing.book()
    assert book["status"] == "round"
    assert datetime.fromisoformat(book["round_ends_at"]) == ends + timedelta(seconds=300)
    assert sorted(book["in_round"]) == sorted(
        [listing.number["ecdsa-org"], listing.number["ecdsa-p384"]]
    )

    # Every accepted bid resets the countdown; a bid exactly at its end is refused and audited.
    clock.set(ends + timedelta(seconds=290))
    reset = listing.bid("ecdsa-org", "10200000.00")
    assert reset.status_code == 201, reset.text
    new_end = datetime.fromisoformat(reset.json()["round_ends_at"])
    assert new_end == ends + timedelta(seconds=590)
    clock.set(new_end - timedelta(seconds=1))
    assert listing.bid("ecdsa-p384", "10300000.00").status_code == 201
    final_end = new_end - timedelta(seconds=1) + timedelta(seconds=300)
    clock.set(final_end)
    too_late = refused(listing.bid("ecdsa-org", "10400000.00"), "round-ended")
    assert too_late["best"] == "10300000.00"
    listing.at(final_end)

    # Closed: sold to the last bid, the reserve revealed, the confirmation signed.
    result = client.get(f"{listing.url}/result").json()
    assert result["status"] == "sold"
    assert result["outcome"]["winner"] == listing.number["ecdsa-p384"]
    assert result["outcome"]["price"] == "10300000.00"
    assert result["outcome"]["reserve"] == "10150000.00"
    confirmation = canonical(result["confirmation"])
    assert hashlib.sha256(confirmation).hexdigest() == result["sha256"]
    assert verify_detached(confirmation, base64.b64decode(result["signature"]))
    verify_token(
        base64.b64decode(result["timestamp"]), digest=hashlib.sha256(confirmation).digest()
    )
    assert result["confirmation"]["buyer"]["uscc"] == pki_world.uscc["ecdsa-p384"]
    assert result["confirmation"]["bids"] == 4
    refused(listing.bid("ecdsa-org", "20000000.00"), "closed")

    with services.read_session() as session:
        deposits = dict(
            session.execute(
                select(listing_registrations.c.id, listing_registrations.c.deposit_status).where(
                    listing_registrations.c.listing_id == listing.id
                )
            ).all()
        )
        seqs = list(
            session.execute(
                select(listing_bids.c.seq, listing_bids.c.amount)
                .where(listing_bids.c.listing_id == listing.id)
                .order_by(listing_bids.c.seq)
            )
        )
        trail = session.execute(
            select(audit_log.c.action, audit_log.c.payload, audit_log.c.address)
            .where(audit_log.c.object_id == listing.id)
            .order_by(audit_log.c.seq)
        ).all()
    assert deposits == {
        listing.registration["ecdsa-p384"]: "applied",
        listing.registration["ecdsa-org"]: "released",
        listing.registration["sm2-org"]: "unpaid",
    }
    assert [s.seq for s in seqs] == [1, 2, 3, 4]
    amounts = [Decimal(s.amount) for s in seqs]
    assert all(b - a >= Decimal("100000") for a, b in zip(amounts, amounts[1:], strict=False))
    actions = [t.action for t in trail]
    assert actions.count("BidAccepted") == 4 and actions.count("BidRefused") == 6
    late = [
        t
        for t in trail
        if t.action == "BidRefused" and t.payload["event"]["reason"] == "round-ended"
    ]
    assert len(late) == 1 and late[0].payload["event"]["amount"] == "10400000.00"
    assert {"ListingOpened", "RoundStarted", "BiddingClosed", "DealConfirmed"} <= set(actions)
    assert chain_of(services).ok


def test_the_reserve_not_reached_fails_the_listing(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock, reserve=Decimal("99000000"))
    assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    listing.continuing("ecdsa-org", "ecdsa-p384")
    ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
    listing.at(ends)
    listing.at(ends + timedelta(seconds=300))
    result = client.get(f"{listing.url}/result").json()
    assert result["status"] == "failed" and result["outcome"]["result"] == "below-reserve"
    assert result["outcome"]["reserve"] == "99000000.00" and result["confirmation"] is None


def test_a_single_bidder_at_the_end_buys_at_its_quote_when_it_reaches_the_reserve(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    assert listing.bid("ecdsa-org", "10200000.00").status_code == 201
    listing.continuing("ecdsa-org")  # nobody else goes on: no timed round
    ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
    listing.at(ends)
    result = client.get(f"{listing.url}/result").json()
    assert result["status"] == "sold" and result["outcome"]["price"] == "10200000.00"
    assert result["confirmation"]["bids"] == 1


def test_an_english_auction_is_a_timed_round_from_its_start(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(
        client, services, world, pki_world, clock, method="auction", reserve=None
    )
    book = listing.book()
    assert book["status"] == "round" and book["method"] == "auction"
    start = clock.now()
    assert datetime.fromisoformat(book["round_ends_at"]) == start + timedelta(seconds=300)
    assert sorted(book["in_round"]) == sorted(
        [listing.number["ecdsa-org"], listing.number["ecdsa-p384"]]
    )
    assert listing.bid("sm2-org", "10000000.00").status_code == 403  # no deposit, no paddle
    clock.set(start + timedelta(seconds=299))
    snipe = listing.bid("ecdsa-org", "10000000.00")  # one second before the end …
    assert snipe.status_code == 201
    assert datetime.fromisoformat(snipe.json()["round_ends_at"]) == clock.now() + timedelta(
        seconds=300
    )  # … gives everyone another 300 s
    clock.set(clock.now() + timedelta(seconds=120))
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    listing.at(clock.now() + timedelta(seconds=300))
    result = client.get(f"{listing.url}/result").json()
    assert (
        result["status"] == "sold" and result["outcome"]["winner"] == listing.number["ecdsa-p384"]
    )
