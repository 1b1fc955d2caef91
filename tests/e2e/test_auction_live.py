"""The live bidding channel (``/api/v1/listings/{id}/live``) without a browser: the book on
connecting and on every change; bids over the WebSocket, each answered exactly once; a client
that drops mid-round and comes back with ``after_seq`` gets every bid it missed, in order and
without gaps; a bid arriving exactly as the countdown ends is refused (``round-ended``) and
audited; the public may watch but not bid."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.testclient import WebSocketTestSession

from prex.auctions.bidding import bid_bytes, parse_amount
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.bidding_world import LEAVES, Listing, open_listing
from tests.factories import World, auth
from tests.pki_openssl import PkiWorld

Message = dict[str, Any]


def until(ws: WebSocketTestSession, wanted: Callable[[Message], bool]) -> list[Message]:
    """Messages up to and including the first one ``wanted`` (the server speaks at least every
    10 s, so this never waits for ever)."""
    seen: list[Message] = []
    while True:
        message = dict(ws.receive_json())
        seen.append(message)
        if wanted(message):
            return seen


def book_at(seq: int) -> Callable[[Message], bool]:
    return lambda m: m.get("type") == "book" and m["seq"] >= seq


def bid_message(listing: Listing, leaf: str, amount: str, ref: Any) -> Message:
    return {
        "type": "bid",
        "ref": ref,
        "amount": amount,
        "signature": listing.signature(leaf, amount),
    }


def received_bids(messages: list[Message]) -> list[int]:
    return [b["seq"] for m in messages if m.get("type") == "bids" for b in m["bids"]]


def test_the_channel_sends_the_book_on_connecting_and_every_change_by_number_only(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    with client.websocket_connect(f"{listing.url}/live") as ws:
        hello = ws.receive_json()
        assert hello == {"type": "hello", "you": {"number": None, "may_bid": False}}
        book = ws.receive_json()
        assert book["type"] == "book" and book["status"] == "listing" and book["seq"] == 0
        assert book["server_time"] == clock.now().isoformat()
        assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
        seen = until(ws, book_at(1))
        assert received_bids(seen) == [1]
        assert seen[0]["bids"][0]["number"] == listing.number["ecdsa-org"]
        assert seen[-1]["best"] == "10000000.00"
        assert seen[-1]["leader"] == listing.number["ecdsa-org"]
        assert seen[-1]["minimum_next"] == "10100000.00"
        assert "证书单位" not in str(seen) and pki_world.uscc["ecdsa-org"] not in str(seen)


def test_bids_over_the_channel_are_answered_exactly_once_each(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    headers = auth(services, LEAVES["ecdsa-org"])
    with client.websocket_connect(f"{listing.url}/live", headers=headers) as ws:
        hello = ws.receive_json()
        assert hello["you"] == {"number": listing.number["ecdsa-org"], "may_bid": True}
        ws.send_json(bid_message(listing, "ecdsa-org", "10000000.00", "a"))
        ws.send_json(bid_message(listing, "ecdsa-org", "10300000.00", "b"))  # already leading
        ws.send_json({"type": "bid", "ref": "c", "amount": "ten", "signature": "x" * 20})
        ws.send_json({"type": "dance", "ref": "d"})
        ws.send_text("not json")
        ws.send_json({"type": "resume", "ref": "e", "after_seq": 0})
        answers: list[Message] = []
        for message in until(ws, lambda m: m.get("ref") == "e"):
            if message.get("type") in ("ack", "error"):
                answers.append(message)
    assert [a["ref"] for a in answers] == ["a", "b", "c", "d", None, "e"]
    accepted, leading, bad, unknown, malformed, resumed = answers
    assert accepted["accepted"] is True and accepted["seq"] == 1
    assert accepted["number"] == listing.number["ecdsa-org"]
    assert leading["accepted"] is False and leading["reason"] == "leading"
    assert leading["best"] == "10000000.00" and leading["minimum"] == "10100000.00"
    assert bad["type"] == "error" and bad["status"] == 422 and bad["problem"]["field"] == "amount"
    assert unknown["type"] == "error" and unknown["problem"]["field"] == "type"
    assert malformed["problem"]["type"] == "/problems/malformed-json"
    assert resumed == {"type": "ack", "ref": "e", "accepted": True, "after_seq": 0}
    assert listing.book()["seq"] == 1


def test_a_client_that_reconnects_gets_every_bid_it_missed_in_order(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    listing.continuing("ecdsa-org", "ecdsa-p384")
    ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
    listing.at(ends)
    with client.websocket_connect(f"{listing.url}/live") as ws:
        seen = until(ws, book_at(2))
        assert seen[-1]["status"] == "round"
        last_seen = seen[-1]["seq"]
    # Dropped mid-round; meanwhile the two bidders go on (over HTTP, as other clients would).
    amount = 10100000
    for n in range(8):
        amount += 100000
        clock.set(ends + timedelta(seconds=10 * (n + 1)))
        leaf = ("ecdsa-org", "ecdsa-p384")[n % 2]
        assert listing.bid(leaf, f"{amount}.00").status_code == 201
    with client.websocket_connect(f"{listing.url}/live?after_seq={last_seen}") as ws:
        seen = until(ws, book_at(10))
        assert received_bids(seen) == list(range(3, 11))
        first_book = next(i for i, m in enumerate(seen) if m.get("type") == "book")
        assert all(m.get("type") != "bids" for m in seen[first_book:])  # the gap came first
        assert seen[-1]["best"] == f"{amount}.00"
        # The same again on the open line, from the start.
        ws.send_json({"type": "resume", "ref": 7, "after_seq": 0})
        again = until(ws, lambda m: m.get("ref") == 7)
        assert received_bids(again) == list(range(1, 11))
        amounts = [
            int(b["amount"].split(".")[0])
            for m in again
            if m.get("type") == "bids"
            for b in m["bids"]
        ]
        assert amounts == sorted(amounts) and len(set(amounts)) == 10


def test_a_bid_arriving_exactly_as_the_countdown_ends_is_refused_and_audited(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    listing.continuing("ecdsa-org", "ecdsa-p384")
    ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
    listing.at(ends)
    round_ends = datetime.fromisoformat(listing.book()["round_ends_at"])
    headers = auth(services, LEAVES["ecdsa-org"])
    with client.websocket_connect(f"{listing.url}/live", headers=headers) as ws:
        until(ws, book_at(2))
        clock.set(round_ends)  # the worker has not closed it yet: the server's time decides
        ws.send_json(bid_message(listing, "ecdsa-org", "10200000.00", "late"))
        (answer,) = [m for m in until(ws, lambda m: m.get("ref") == "late") if "ref" in m]
    assert answer["accepted"] is False and answer["reason"] == "round-ended"
    assert answer["best"] == "10100000.00"
    with services.read_session() as session:
        refusals = [
            row.payload["event"]
            for row in session.execute(
                select(audit_log.c.action, audit_log.c.payload)
                .where(audit_log.c.object_id == listing.id, audit_log.c.action == "BidRefused")
                .order_by(audit_log.c.seq)
            )
        ]
    assert [(r["reason"], r["amount"]) for r in refusals] == [("round-ended", "10200000.00")]
    listing.at(round_ends)
    assert listing.book()["status"] == "failed"  # closed; 10,100,000 is below the reserve


def test_the_public_may_watch_but_not_bid(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    with client.websocket_connect(f"{listing.url}/live") as ws:
        ws.send_json(bid_message(listing, "ecdsa-org", "10000000.00", "anon"))
        answer = until(ws, lambda m: m.get("ref") == "anon")[-1]
    assert answer["type"] == "error" and answer["status"] in (401, 403)
    assert listing.book()["seq"] == 0
    with client.websocket_connect("/api/v1/listings/nope/live") as ws:
        assert ws.receive_json()["error"] == "not-found"


def test_a_line_opened_before_signing_out_bids_no_more(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    headers = auth(services, LEAVES["ecdsa-org"])
    with client.websocket_connect(f"{listing.url}/live", headers=headers) as ws:
        assert ws.receive_json()["you"]["may_bid"] is True
        ws.send_json(bid_message(listing, "ecdsa-org", "10000000.00", "before"))
        assert until(ws, lambda m: m.get("ref") == "before")[-1]["accepted"] is True
        assert client.delete("/api/v1/session", headers=headers).status_code == 204
        ws.send_json(bid_message(listing, "ecdsa-org", "10200000.00", "after"))
        answer = until(ws, lambda m: m.get("ref") == "after")[-1]
    assert answer["type"] == "error" and answer["status"] in (401, 403)
    assert listing.book()["seq"] == 1


def test_the_page_signs_exactly_the_bytes_the_server_verifies() -> None:
    """auction.js's amount and signed bytes, run by node, are the server's for the same bid."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = resources.files("prex.web") / "static" / "auction.js"
    typed = ["10300000", "10300000.5", "010300000.05", " 7 ", "1.234", "-5", "1e6", ""]
    program = f"""
        import {{ normaliseAmount, bidBytes }} from "{script}";
        const amounts = {json.dumps(typed)}.map(normaliseAmount);
        const signed = amounts.filter((a) => a !== null)
            .map((a) => new TextDecoder().decode(bidBytes("01LISTING", "8001", a)));
        console.log(JSON.stringify({{ amounts, signed }}));
    """
    out = subprocess.run(
        [node, "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    seen = json.loads(out.stdout)
    expected = ["10300000.00", "10300000.50", "10300000.05", "7.00", None, None, None, None]
    assert seen["amounts"] == expected
    assert seen["signed"] == [
        bid_bytes("01LISTING", "8001", parse_amount(a)).decode() for a in expected if a
    ]
