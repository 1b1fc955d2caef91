"""Acceptance (issue 6, consistency): many bidders submitting the same next price at the same
moment to a real server with several worker processes — ``prex serve --workers 3`` over the
test's database, a SQLite file or PostgreSQL when ``PREX_TEST_DATABASE_URL`` is set — get
exactly one acceptance per price; every other bid is refused with the new current price. After
the race the accepted bids strictly increase by at least the increment, with no gap in their
sequence numbers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.auctions.orm import listing_bids
from prex.bootstrap import bootstrap
from prex.config import Settings
from prex.shared.clock import FixedClock, SystemClock
from prex.web.app import create_app
from tests.bidding_world import INCREMENT, LEAVES, Listing, open_listing
from tests.factories import make_world, token_for
from tests.live_server import serve_launcher
from tests.pki_openssl import PkiWorld

ROUNDS = 6
COPIES = 3  # each bidder sends the same bid this many times at once


@pytest.fixture
def race(settings: Settings, pki_world: PkiWorld) -> Iterator[tuple[Listing, str]]:
    services = bootstrap(settings, clock=SystemClock())
    server = None
    try:
        with TestClient(create_app(services)) as client:
            world = make_world(services)
            listing = open_listing(
                client,
                services,
                world,
                pki_world,
                FixedClock(datetime.now(UTC)),
                unpaid=(),
                lead=-timedelta(seconds=5),
            )
        services.pki.platform_keys()  # made once here, not raced for by the server's workers
        server = serve_launcher()(settings.data_dir, settings.resolved_database_url, 3)
        yield listing, f"http://127.0.0.1:{server.port}"
    finally:
        if server is not None:
            server.stop()
        services.close()


def race_once(listing: Listing, url: str, tokens: dict[str, str], amount: str) -> list[Any]:
    """Every bidder sends ``amount`` ``COPIES`` times, all released at the same instant;
    returns (leaf, status, body) per request."""
    bodies = {
        leaf: {"amount": amount, "signature": listing.signature(leaf, amount)} for leaf in LEAVES
    }
    answers: list[tuple[str, int, dict[str, Any]]] = []
    start = threading.Barrier(len(LEAVES) * COPIES)

    def send(leaf: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            start.wait()
            response = http.post(
                f"/api/v1/listings/{listing.id}/bids",
                json=bodies[leaf],
                headers={"Authorization": f"Bearer {tokens[leaf]}"},
            )
            answers.append((leaf, response.status_code, response.json()))

    threads = [
        threading.Thread(target=send, args=(leaf,)) for leaf in LEAVES for _ in range(COPIES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == len(threads)
    return answers


def test_the_same_next_price_from_everyone_at_once_is_accepted_exactly_once(
    race: tuple[Listing, str],
) -> None:
    listing, url = race
    tokens = {leaf: token_for(listing.services, user) for leaf, user in LEAVES.items()}
    assert listing.book()["status"] == "listing"
    price = Decimal(listing.book()["minimum_next"])
    for _ in range(ROUNDS):
        amount = format(price, "f")
        answers = race_once(listing, url, tokens, amount)
        accepted = [a for a in answers if a[1] == 201]
        assert len(accepted) == 1, answers
        for _leaf, status, body in answers:
            if status == 201:
                continue
            assert status == 409 and body["type"] == "/problems/bid-refused", body
            if body["reason"] == "too-low":  # lost the race: told the new current price
                assert body["best"] == amount, body
                assert body["minimum"] == format(price + INCREMENT, "f")
            else:  # the previous leader may not outbid itself, whenever it is applied
                assert body["reason"] == "leading", body
        price += INCREMENT

    with listing.services.read_session() as session:
        rows = list(
            session.execute(
                select(listing_bids.c.seq, listing_bids.c.amount)
                .where(listing_bids.c.listing_id == listing.id)
                .order_by(listing_bids.c.seq)
            )
        )
    assert [r.seq for r in rows] == list(range(1, ROUNDS + 1))
    amounts = [Decimal(r.amount) for r in rows]
    assert all(b - a == INCREMENT for a, b in zip(amounts, amounts[1:], strict=False))
