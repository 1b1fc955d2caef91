"""Issue 11, acceptance 1: the example broker (examples/broker/broker.py), a separate process on
loopback that never imports prex, registers with prex, subscribes itself to public events, takes
a bidder's signed consent, submits that bidder's own sealed and signed envelope for it, and
receives the opening webhook, verified with `openssl cms -verify` against the published chain.
Without consent, or outside its scopes, prex's problem document comes back through the broker
unchanged. prex runs on a real uvicorn server; a worker thread runs the webhook deliveries.

SQLite only (``backend`` is pinned): the broker is a separate HTTP client, and what it drives
(consent, bids on behalf, webhooks) runs on PostgreSQL in test_integrations.py, test_webhooks.py
and test_guarantees.py.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from prex import demo_broker
from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from prex.webhooks.delivery import run_webhooks, signed_headers
from tests.award_world import Signer
from tests.conftest import REPO_ROOT
from tests.e2e.test_integrations import register
from tests.factories import World, auth, published_tender
from tests.live_server import serve
from tests.opening_world import BIDDERS, Opening
from tests.pki_openssl import PkiWorld, free_port

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])

BROKER = REPO_ROOT / "examples" / "broker" / "broker.py"
SUBS = "/api/v1/webhooks/subscriptions"
DEADLINE_AHEAD = 120  # seconds from now to the bid deadline (the factories' tender: 30 days)


def secret_env(secret: str) -> dict[str, str]:
    """The broker takes its secret from the environment, as its README runs it."""
    return {**os.environ, "PREX_CLIENT_SECRET": secret}


@contextmanager
def broker_process(prex: str, registered: dict[str, str], state: Path) -> Iterator[str]:
    """The example broker as its README runs it; yields its URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(BROKER), "--prex", prex, "--client-id", registered["client_id"]]
        + ["--listen", f"127.0.0.1:{port}", "--state-dir", str(state)],
        env=secret_env(registered["client_secret"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the broker did not start"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


@contextmanager
def webhook_worker(services: Services) -> Iterator[list[BaseException]]:
    """The worker's webhook pass, over and over in a thread, as `prex worker` runs it."""
    stop, errors = threading.Event(), []

    def loop() -> None:
        while not stop.is_set():
            try:
                run_webhooks(services)
            except BaseException as exc:  # reported by the test, not lost in the thread
                errors.append(exc)
                return
            stop.wait(0.2)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield errors
    finally:
        stop.set()
        thread.join(timeout=30)


def relayed_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """A problem document, passed through by the broker as prex wrote it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["type"] == f"/problems/{slug}" and body["detail"], body
    return body


def received(broker: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{broker}/received", timeout=5).json()["received"])


def wait_for(broker: str, event: str, errors: list[BaseException]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert not errors, errors
        found = [r for r in received(broker) if r["event"] == event]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"the broker received no {event}: {received(broker)}")


def test_the_broker_never_imports_prex() -> None:
    tree = ast.parse(BROKER.read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in modules if m.split(".")[0] in ("prex", "tests")}, modules


@SQLITE_ONLY
def test_a_broker_submits_a_consenting_bidders_own_envelope_and_receives_the_opening_webhook(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    # Deliveries are signed with the platform's "now" and the broker checks it against its own
    # real clock: the tender's deadline is set two minutes after the real time, so the test's
    # clock, moved to the deadline, stays within the broker's window.
    clock.set(datetime.now(UTC) - timedelta(days=30) + timedelta(seconds=DEADLINE_AHEAD))
    opening = Opening(client, services, world, pki_world, tmp_path, clock)
    tmp = opening.tmp
    broker_client = register(
        client, services, world, ["public.read", "bid.submit", "webhooks.manage"]
    )
    no_bids = register(client, services, world, ["public.read", "webhooks.manage"])
    org = {
        user: client.get("/api/v1/me", headers=auth(services, user)).json()["org_id"]
        for user in ("bidder_ec", "bidder_rsa")
    }
    with (
        serve(services) as prex,
        broker_process(prex, broker_client, tmp / "broker") as broker,
    ):
        # The broker subscribed itself (its own token, scope webhooks.manage).
        (sub,) = [
            s
            for s in client.get(SUBS, headers=auth(services, "admin")).json()["subscriptions"]
            if s["client_id"] == broker_client["client_id"]
        ]
        assert sub["url"] == f"{broker}/webhooks" and "OpeningRecordPublished" in sub["events"]
        assert httpx.get(f"{broker}/health").json()["subscription"]["id"] == sub["id"]

        bids = f"{broker}/bids/{opening.id}"
        price = BIDDERS["ecdsa-org"][1]
        envelope = opening.seal("ecdsa-org", price).read_bytes()  # by the bidder, its own key

        # Without the bidder's consent prex refuses, and the broker relays the refusal.
        refused = relayed_problem(
            httpx.post(bids, content=envelope, headers={"Prex-On-Behalf-Of": org["bidder_ec"]}),
            403,
            "consent-required",
        )
        assert refused["client_id"] == broker_client["client_id"]

        # The consent: the terms from prex, signed by the bidder with its own certificate.
        until = (clock.now() + timedelta(days=30)).replace(microsecond=0).isoformat()
        terms = {"scopes": ["bid.submit"], "valid_until": until}
        bidder = auth(services, "bidder_ec")
        to_sign = httpx.post(f"{broker}/consent/to-sign", json=terms, headers=bidder)
        assert to_sign.status_code == 200, to_sign.text
        text = to_sign.json()["to_sign"]
        assert json.loads(text)["client_id"] == broker_client["client_id"]
        signature = Signer(tmp, leaf=opening.pki.leaves["ecdsa-org"]).sign(text.encode())
        granted = httpx.post(
            f"{broker}/consent", json={**terms, "signature": signature}, headers=bidder
        )
        assert granted.status_code == 201, granted.text
        assert httpx.post(f"{broker}/consent", json=terms).status_code == 401  # whose consent?

        # The broker submits the bidder's envelope for it; a retry gets the same receipt.
        on_behalf = {"Prex-On-Behalf-Of": org["bidder_ec"]}
        receipt = httpx.post(bids, content=envelope, headers=on_behalf, timeout=60)
        assert receipt.status_code == 201, receipt.text
        again = httpx.post(bids, content=envelope, headers=on_behalf, timeout=60)
        assert again.status_code == 200 and again.json() == receipt.json()
        mine = client.get(
            f"/api/v1/tenders/{opening.id}/bids/mine", headers=auth(services, "bidder_ec")
        ).json()
        assert [b["id"] for b in mine] == [receipt.json()["bid_id"]]
        # For a bidder that never consented: refused, relayed unchanged.
        rsa = opening.seal("rsa-org", BIDDERS["rsa-org"][1])
        relayed_problem(
            httpx.post(
                bids, content=rsa.read_bytes(), headers={"Prex-On-Behalf-Of": org["bidder_rsa"]}
            ),
            403,
            "consent-required",
        )
        assert httpx.post(bids, content=envelope).status_code == 400  # for whom?

        # A broker registered without bid.submit is refused naming the scope it lacks.
        with broker_process(prex, no_bids, tmp / "no-bids") as other:
            lacking = relayed_problem(
                httpx.post(f"{other}/bids/{opening.id}", content=envelope, headers=on_behalf),
                403,
                "insufficient-scope",
            )
            assert lacking["scope"] == "bid.submit" and lacking["client_id"] == no_bids["client_id"]
        for s in client.get(SUBS, headers=auth(services, "admin")).json()["subscriptions"]:
            if s["client_id"] == no_bids["client_id"]:  # its receiver is gone: pause it
                paused = client.patch(
                    f"{SUBS}/{s['id']}", json={"active": False}, headers=auth(services, "admin")
                )
                assert paused.status_code == 200, paused.text

        # Two more bidders submit themselves; the deadline passes; the opening runs.
        assert opening.submit(rsa, "bidder_rsa", "broker-rsa-000001").status_code == 201
        sm2 = opening.seal("sm2-org", BIDDERS["sm2-org"][1])
        assert opening.submit(sm2, "bidder_sm2", "broker-sm2-000001").status_code == 201
        opening.to_deadline()
        for n in (1, 2, 3):
            assert opening.release(n).status_code == 200
        opened = opening.host("open")
        assert opened.status_code == 200 and opened.json()["opened"] == 3, opened.text
        published = opening.host("record")
        assert published.status_code == 201, published.text

        with webhook_worker(services) as errors:
            got = wait_for(broker, "OpeningRecordPublished", errors)
            assert (
                got["change"]["id"] == opening.id
                and got["change"]["type"] == "tender.opening_record"
            )
            assert got["verified"] == "openssl cms -verify"
            assert wait_for(broker, "BidDeadlineReached", errors)["change"]["id"] == opening.id
            seqs = [r["change"]["seq"] for r in received(broker)]
            assert seqs == sorted(seqs)  # in order

            # prex sends the delivery again (same id): taken, not processed twice.
            log = client.get(f"{SUBS}/{sub['id']}/deliveries", headers=auth(services, "admin"))
            (record,) = [d for d in log.json()["deliveries"] if d["message_id"] == got["id"]]
            assert record["status"] == "delivered" and record["response_code"] == 200
            count = len(received(broker))
            redo = client.post(
                f"/api/v1/webhooks/deliveries/{record['id']}/redeliver",
                headers=auth(services, "admin"),
            )
            assert redo.status_code == 200, redo.text
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                log = client.get(
                    f"{SUBS}/{sub['id']}/deliveries", headers=auth(services, "admin")
                ).json()
                (record,) = [d for d in log["deliveries"] if d["message_id"] == got["id"]]
                if record["status"] == "delivered":
                    break
                time.sleep(0.2)
            assert record["status"] == "delivered" and record["attempts"] == 1
            assert len(received(broker)) == count and not errors

        # The broker itself refuses a forged, a tampered and a stale delivery.
        body = base64.b64decode(got["body"])
        hook = f"{broker}/webhooks"
        fresh = signed_headers(
            services, "01JDX4V9Q8Z3M7K2R5T6W8Y0AB", got["event"], body, clock.now()
        )
        assert httpx.post(hook, content=body, headers=fresh).status_code == 200
        assert len(received(broker)) == count + 1  # a new id, properly signed: taken
        tampered = body.replace(opening.id.encode(), b"0" * 26)
        assert httpx.post(hook, content=tampered, headers=fresh).status_code == 400
        stale_at = datetime.now(UTC) - timedelta(seconds=400)
        stale = signed_headers(services, "01JDX4V9Q8Z3M7K2R5T6W8Y0AC", got["event"], body, stale_at)
        assert httpx.post(hook, content=body, headers=stale).status_code == 400
        bidder_signed = Signer(tmp, leaf=opening.pki.leaves["ecdsa-org"]).sign(
            f"01JDX4V9Q8Z3M7K2R5T6W8Y0AD.{fresh['Prex-Webhook-Timestamp']}.".encode() + body
        )
        forged = {
            **fresh,
            "Prex-Webhook-Id": "PREX00000-999999",
            "Prex-Webhook-Signature": bidder_signed,
        }
        assert httpx.post(hook, content=body, headers=forged).status_code == 400
        unsigned = httpx.post(hook, content=body)
        assert unsigned.status_code == 400 and "Prex-Webhook-Id" in unsigned.json()["error"]
        assert len(received(broker)) == count + 1
        assert httpx.post(f"{broker}/elsewhere", content=b"").status_code == 404
        page = httpx.get(broker)
        assert page.status_code == 200 and "OpeningRecordPublished" in page.text
    # What it received is on disk as JSON lines.
    lines = (tmp / "broker" / "received.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [json.loads(line) for line in lines]
    assert len({r["id"] for r in kept}) == len(kept) == count + 1  # each id once
    assert got["id"] in {r["id"] for r in kept if r["event"] == "OpeningRecordPublished"}


@pytest.mark.parametrize("scopes", [["public.read", "bid.submit"]])
@SQLITE_ONLY
def test_a_broker_without_webhooks_manage_does_not_start(
    client: TestClient, services: Services, world: World, tmp_path: Path, scopes: list[str]
) -> None:
    registered = register(client, services, world, scopes)

    def broker(env: dict[str, str], *secret: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(BROKER), "--prex", prex, "--client-id", registered["client_id"]]
            + [*secret, "--listen", f"127.0.0.1:{free_port()}", "--state-dir", str(tmp_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    with serve(services) as prex:
        run = broker(secret_env(registered["client_secret"]))
        # a secret that begins with "-" (token_urlsafe gives one in 64) is a secret, not an
        # option: here a wrong one, refused by prex rather than by the argument parser
        dashed = broker(secret_env("-" + registered["client_secret"][1:]))
        also = broker(dict(os.environ), "--client-secret=-" + registered["client_secret"][1:])
        unset = broker({k: v for k, v in os.environ.items() if k != "PREX_CLIENT_SECRET"})
    assert run.returncode == 2
    assert "insufficient-scope" in run.stderr and "webhooks.manage" in run.stderr
    for wrong in (dashed, also):
        assert wrong.returncode == 2 and "usage:" not in wrong.stderr, wrong.stderr
        assert f"no token for {registered['client_id']}" in wrong.stderr, wrong.stderr
    assert unset.returncode == 2 and "PREX_CLIENT_SECRET" in unset.stderr


@SQLITE_ONLY
def test_the_demo_starts_the_example_broker_and_goes_on_when_its_port_is_taken(
    client: TestClient, services: Services, world: World, tmp_path: Path, clock: FixedClock
) -> None:
    registered = register(client, services, world, ["public.read", "webhooks.manage"])
    demo_broker.remember_credentials(tmp_path, registered["client_id"], registered["client_secret"])
    said: list[str] = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        assert demo_broker.prepare(tmp_path, "http://127.0.0.1:1", said.append, port) is None
    assert f"port {port} is taken" in said[0] and registered["client_id"] in said[0]
    assert registered["client_secret"] not in said[0]

    clock.set(datetime.now(UTC))  # deliveries are signed "now", as the demo's real clock does
    with serve(services) as prex:
        broker = demo_broker.prepare(tmp_path, prex, said.append, free_port())
        assert broker is not None and len(said) == 1
        # the secret is in the child's environment, not on its command line (ps shows that)
        assert registered["client_secret"] not in " ".join(broker.command())
        assert broker.environment()["PREX_CLIENT_SECRET"] == registered["client_secret"]
        host, prex_port = prex.removeprefix("http://").split(":")
        broker.start_when_up(host, int(prex_port), said.append)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert time.monotonic() < deadline, said
                try:
                    health = httpx.get(f"{broker.url}/health", timeout=2)
                    if health.status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert health.json()["subscription"]["events"] == ["*"]
            tender = published_tender(client, world, auth(services, "agency"))
            assert run_webhooks(services) == 1
            (got,) = received(broker.url)
            assert (got["event"], got["change"]["id"]) == ("TenderPublished", tender["id"])
        finally:
            broker.stop()
        assert broker.process is not None and broker.process.returncode is not None
