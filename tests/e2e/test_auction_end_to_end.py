"""Acceptance (issue 6, end to end), all over the API: a land listing set up and announced by
the centre with a sealed reserve; three bidders register with their certificates and are
admitted, one without a confirmed deposit (its bid refused); quotes during the listing period;
the two paying bidders go on to the timed round, whose countdown every accepted bid resets,
driven by the test clock; the reserve is reached; the confirmation of the deal is signed by the
platform, timestamped and published for the rule pack's period; deposits applied and released;
everything audited."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from prex.auctions.bidding import bid_bytes
from prex.bootstrap import Services
from prex.envelope.container import canonical
from prex.pki.cms import verify_detached
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.auction_world import RESERVE, AuctionWorld
from tests.factories import World, chain_of
from tests.pki_openssl import PkiWorld


def test_a_land_listing_from_announcement_to_the_signed_confirmation(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    auction = AuctionWorld(client, services, world, pki_world, tmp_path, clock)
    listing = auction.ready()  # rsa and ec paid; sm2 admitted but without a deposit
    assert listing["reserve_commitment"] and RESERVE not in str(listing)
    auction.open_bidding()
    url = auction.url

    def bid(name: str, amount: str) -> Any:
        bidder = auction.bidders[name]
        assert bidder.registration is not None
        data = bid_bytes(listing["id"], bidder.registration["number"], Decimal(amount))
        return client.post(
            f"{url}/bids",
            json={"amount": amount, "signature": bidder.signer.sign(data)},
            headers=auction.as_(bidder.user),
        )

    # Quotes in the listing period: 15 000 000 start, 500 000 increment.
    unpaid = bid("sm2", "15000000.00")
    assert unpaid.status_code == 403 and "deposit" in unpaid.json()["detail"]
    assert bid("rsa", "15000000.00").status_code == 201
    assert bid("ec", "15500000.00").status_code == 201
    assert bid("rsa", "16000000.00").status_code == 201
    book = client.get(f"{url}/book").json()
    assert book["best"] == "16000000.00" and book["seq"] == 3
    assert book["leader"] == auction.bidders["rsa"].registration["number"]  # type: ignore[index]

    # Both paying bidders declare for the timed round; the unpaid one may not.
    for name in ("rsa", "ec"):
        answer = client.post(f"{url}/continuing", headers=auction.as_(auction.bidders[name].user))
        assert answer.status_code == 200, answer.text
    assert client.post(f"{url}/continuing", headers=auction.as_("bidder_sm2")).status_code >= 400
    ends = datetime.fromisoformat(listing["listing_ends_at"])
    clock.set(ends)
    run_once(services)
    book = client.get(f"{url}/book").json()
    assert book["status"] == "round"
    round_end = datetime.fromisoformat(book["round_ends_at"])
    assert round_end == ends + timedelta(seconds=300)

    # The round: each accepted bid resets the countdown; the test clock drives it.
    amounts = ["16500000.00", "17000000.00", "23500000.00", "24000000.00"]
    for n, amount in enumerate(amounts):
        clock.set(round_end - timedelta(seconds=10))
        name = "ec" if n % 2 == 0 else "rsa"
        accepted = bid(name, amount)
        assert accepted.status_code == 201, accepted.text
        round_end = datetime.fromisoformat(accepted.json()["round_ends_at"])
        assert round_end == clock.now() + timedelta(seconds=300)
    clock.set(round_end)
    run_once(services)

    # Sold above the reserve; the confirmation signed, timestamped and published.
    result = client.get(f"{url}/result").json()
    assert result["status"] == "sold"
    assert result["outcome"]["price"] == "24000000.00" and result["outcome"]["reserve"] == RESERVE
    assert result["outcome"]["winner"] == auction.bidders["rsa"].registration["number"]  # type: ignore[index]
    confirmation = canonical(result["confirmation"])
    assert hashlib.sha256(confirmation).hexdigest() == result["sha256"]
    assert verify_detached(confirmation, base64.b64decode(result["signature"]))
    assert result["confirmation"]["buyer"]["uscc"] == auction.bidders["rsa"].uscc
    assert result["confirmation"]["bids"] == 7
    published_until = datetime.fromisoformat(result["published_until"])
    assert published_until - round_end >= timedelta(days=10)  # 10 working days (第二十二条)

    # Deposits: the winner's applied to the price, the loser's released.
    registrations = {
        r["number"]: r
        for r in client.get(f"{url}/registrations", headers=auction.as_("operator")).json()
    }
    status = {n: r["deposit_status"] for n, r in registrations.items()}
    numbers = {name: b.registration["number"] for name, b in auction.bidders.items()}  # type: ignore[index]
    assert status == {
        numbers["rsa"]: "applied",
        numbers["ec"]: "released",
        numbers["sm2"]: "unpaid",
    }

    trail = client.get(f"/api/v1/audit/listing/{listing['id']}", headers=auction.as_("operator"))
    actions = [e["action"] for e in trail.json()]
    for action in (
        "ListingAnnounced",
        "ListingOpened",
        "RoundStarted",
        "BiddingClosed",
        "DealConfirmed",
    ):
        assert action in actions, action
    assert actions.count("BidAccepted") == 7 and actions.count("DepositSettled") == 2
    assert chain_of(services).ok
