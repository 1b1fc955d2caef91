"""Webhooks end to end: real receivers on loopback, the platform's real keys, openssl to verify.

Subscriptions are made through the API; the worker's pass (:func:`run_webhooks`) fans the outbox
out and sends; time moves with the FixedClock, so back-off and expiry are exact.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services
from prex.config import Settings, get_settings
from prex.exchange.feed import public_changes
from prex.identity import service as identity
from prex.identity.orm import organisations
from prex.integrations.orm import integration_clients
from prex.integrations.service import register_client
from prex.shared.clock import FixedClock
from prex.webhooks.delivery import backoff_schedule, run_webhooks, signed_bytes, signed_headers
from prex.webhooks.orm import webhook_events
from tests.conftest import REPO_ROOT
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, chain_of, published_tender
from tests.pki_openssl import free_port
from tests.webhook_receiver import Received, Receiver


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return get_settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_document_bytes=1024 * 1024,
        password_hashing="fast",
        webhook_timeout=0.5,
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def broker(services: Services) -> str:
    """A registered machine client (the subscriptions' owner), made once per database."""
    with services.read_session() as session:
        made = session.execute(select(integration_clients.c.client_id)).scalars().first()
        org_id = session.execute(select(organisations.c.id)).scalars().first()
    if made is not None:
        return str(made)
    assert org_id is not None
    uow = services.uow(ADMIN_ACTOR)
    return register_client(uow, name="经纪平台", org_id=org_id, scopes=["public.read"]).client_id


def subscribe(
    client: TestClient, services: Services, url: str, events: list[str], who: str = "admin"
) -> dict[str, Any]:
    made = client.post(
        "/api/v1/webhooks/subscriptions",
        json={"client_id": broker(services), "url": url, "events": events},
        headers=auth(services, who),
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def log_of(client: TestClient, services: Services, subscription_id: str) -> dict[str, Any]:
    got = client.get(
        f"/api/v1/webhooks/subscriptions/{subscription_id}/deliveries",
        headers=auth(services, "admin"),
    )
    assert got.status_code == 200, got.text
    return dict(got.json())


def openssl_verify(tmp_path: Path, ca_pem: str, got: Received, body: bytes | None = None) -> Any:
    """Verify one delivery as docs/webhooks.md tells a receiver to, with the openssl tool."""
    (tmp_path / "ca.pem").write_text(ca_pem)
    (tmp_path / "sig.b64").write_text(got.headers["prex-webhook-signature"])
    signed = signed_bytes(
        got.headers["prex-webhook-id"],
        int(got.headers["prex-webhook-timestamp"]),
        got.body if body is None else body,
    )
    (tmp_path / "signed.bin").write_bytes(signed)
    subprocess.run(
        ["openssl", "base64", "-d", "-A", "-in", "sig.b64", "-out", "sig.der"],
        cwd=tmp_path,
        check=True,
    )
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der"]
        + ["-content", "signed.bin", "-CAfile", "ca.pem", "-out", "/dev/null"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def public_seqs(services: Services) -> list[int]:
    return [c.seq for c in public_changes(services, 0, 1000).changes]


def test_deliveries_are_signed_and_verify_with_openssl_against_the_published_ca(
    client: TestClient, world: World, services: Services, receiver: Receiver, tmp_path: Path
) -> None:
    sub = subscribe(client, services, receiver.url, ["TenderPublished"])
    tender = published_tender(client, world, auth(services, "agency"))
    assert run_webhooks(services) == 1
    [got] = receiver.received
    body = json.loads(got.body)
    assert body["event"] == "TenderPublished" and body["id"] == tender["id"]
    assert body["object"]["title"] == tender["title"]  # the public form, as the portal shows it
    assert got.headers["prex-webhook-event"] == "TenderPublished"
    assert got.headers["content-type"] == "application/json"
    assert int(got.headers["prex-webhook-timestamp"]) == int(services.clock.now().timestamp())

    published = client.get("/api/v1/webhooks/certificates")  # anonymous: public
    assert published.status_code == 200
    keys = services.pki.platform_keys()
    assert keys.ca_certificate.pem() in published.text
    ok = openssl_verify(tmp_path, published.text, got)
    assert ok.returncode == 0, ok.stderr
    assert "Verification successful" in ok.stderr

    tampered = openssl_verify(tmp_path, published.text, got, got.body.replace(b"Tender", b"Tendex"))
    assert tampered.returncode != 0
    # The id and the timestamp are signed too: a replay under a fresh timestamp fails.
    later = Received(
        got.path,
        {
            **got.headers,
            "prex-webhook-timestamp": str(int(got.headers["prex-webhook-timestamp"]) + 600),
        },
        got.body,
        got.at,
    )
    assert openssl_verify(tmp_path, published.text, later).returncode != 0

    entries = log_of(client, services, sub["id"])
    assert entries["counts"] == {"pending": 0, "delivered": 1, "expired": 0}
    [line] = entries["deliveries"]
    assert line["message_id"] == got.headers["prex-webhook-id"] == f"PREX00000-{line['seq']}"
    assert (line["status"], line["attempts"], line["response_code"]) == ("delivered", 1, 204)
    assert run_webhooks(services) == 0 and len(receiver.received) == 1  # once only
    assert chain_of(services).ok


def test_every_subscriber_of_an_event_gets_one_message_id_and_the_signature_is_made_once(
    client: TestClient,
    world: World,
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The id names the event (not the delivery), so one signature per (message, second) serves
    every subscriber; each still verifies on its own with openssl."""
    from prex.webhooks import delivery

    receivers = [Receiver().start() for _ in range(3)]
    signed: list[str] = []
    real = delivery.signed_headers

    def counting(*args: Any, **kwargs: Any) -> dict[str, str]:
        signed.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "signed_headers", counting)
    try:
        for r in receivers:
            subscribe(client, services, r.url, ["TenderPublished"])
        published_tender(client, world, auth(services, "agency"))
        assert run_webhooks(services) == 3
        got = [r.received[0] for r in receivers]
    finally:
        for r in receivers:
            r.stop()
    ids = {g.headers["prex-webhook-id"] for g in got}
    assert len(ids) == 1 and ids.pop().startswith("PREX00000-")
    assert len({g.headers["prex-webhook-signature"] for g in got}) == 1
    assert len(signed) == 1  # the clock stands still: one second, one signature
    ca = client.get("/api/v1/webhooks/certificates").text
    for n, g in enumerate(got):
        (tmp_path / str(n)).mkdir()
        assert openssl_verify(tmp_path / str(n), ca, g).returncode == 0


def test_a_receiver_down_gets_every_event_once_in_order_and_others_are_not_held_up(
    client: TestClient, world: World, services: Services, clock: FixedClock
) -> None:
    down, healthy = Receiver(), Receiver().start()
    try:
        late = subscribe(client, services, down.url, ["*"])
        subscribe(client, services, healthy.url, ["*"])
        agency = auth(services, "agency")
        published_tender(client, world, agency)
        assert run_webhooks(services) == 1  # the healthy one; the other refused the connection
        [first] = log_of(client, services, late["id"])["deliveries"]
        assert first["status"] == "pending" and first["attempts"] == 1
        assert first["response_code"] is None and "Connect" in first["last_error"]
        wait = backoff_schedule(services, 3)
        assert wait == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
        assert first["next_attempt_at"] == (clock.now() + wait[0]).isoformat()

        for _ in range(2):
            published_tender(client, world, agency)
        run_webhooks(services)  # within the back-off: the later events wait behind the first
        entries = log_of(client, services, late["id"])["deliveries"]
        assert [(e["attempts"], e["status"]) for e in entries] == [
            (1, "pending"),
            (0, "pending"),
            (0, "pending"),
        ]
        assert len(healthy.received) == 3  # the healthy receiver is not held up

        clock.advance(wait[0])
        run_webhooks(services)  # due again, still down: doubled back-off
        entries = log_of(client, services, late["id"])["deliveries"]
        assert [e["attempts"] for e in entries] == [2, 0, 0]
        assert entries[0]["next_attempt_at"] == (clock.now() + wait[1]).isoformat()

        down.start()  # the receiver returns …
        clock.advance(wait[1] - timedelta(seconds=1))
        assert run_webhooks(services) == 0 and down.received == []  # … but it is not yet due
        clock.advance(timedelta(seconds=1))
        assert run_webhooks(services) == 3
        assert run_webhooks(services) == 0
        seqs = [json.loads(r.body)["seq"] for r in down.received]
        assert seqs == public_seqs(services) and seqs == sorted(seqs) and len(set(seqs)) == 3
        assert len(set(down.ids())) == 3
        assert [r.body for r in down.received] == [r.body for r in healthy.received]
        entries = log_of(client, services, late["id"])
        assert entries["counts"] == {"pending": 0, "delivered": 3, "expired": 0}
        assert [e["attempts"] for e in entries["deliveries"]] == [3, 1, 1]
    finally:
        down.stop()
        healthy.stop()


def test_an_error_answer_is_retried_and_a_delivery_expires_after_the_max_age(
    client: TestClient, world: World, services: Services, clock: FixedClock, receiver: Receiver
) -> None:
    receiver.answer = 500
    sub = subscribe(client, services, receiver.url, ["TenderPublished"])
    published_tender(client, world, auth(services, "agency"))
    run_webhooks(services)
    [line] = log_of(client, services, sub["id"])["deliveries"]
    assert (line["response_code"], line["last_error"]) == (500, "the receiver answered 500")
    assert line["status"] == "pending" and line["attempts"] == 1
    for _ in range(18):  # 72 hours: the back-off (capped at an hour) is due at every step
        clock.advance(timedelta(hours=4))
        run_webhooks(services)
    [line] = log_of(client, services, sub["id"])["deliveries"]
    assert line["status"] == "pending" and line["attempts"] == 19
    clock.advance(timedelta(seconds=1))
    run_webhooks(services)
    [line] = log_of(client, services, sub["id"])["deliveries"]
    assert line["status"] == "expired" and line["next_attempt_at"] is None
    assert line["attempts"] == 19 and len(receiver.received) == 19
    clock.advance(timedelta(hours=4))
    run_webhooks(services)
    assert len(receiver.received) == 19  # given up: no more attempts


def test_manual_redelivery_sends_the_same_id_and_body_again(
    client: TestClient,
    world: World,
    services: Services,
    clock: FixedClock,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    sub = subscribe(client, services, receiver.url, ["*"])
    published_tender(client, world, auth(services, "agency"))
    run_webhooks(services)
    [first] = receiver.received
    [line] = log_of(client, services, sub["id"])["deliveries"]
    assert line["message_id"] == first.headers["prex-webhook-id"]
    url = f"/api/v1/webhooks/deliveries/{line['id']}/redeliver"
    assert client.post(url, headers=auth(services, "bidder")).status_code == 403
    assert client.post(url).status_code == 401
    clock.advance(timedelta(minutes=5))
    again = client.post(url, headers=auth(services, "operator"))  # the same centre's
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
    assert run_webhooks(services) == 1
    second = receiver.received[1]
    assert second.headers["prex-webhook-id"] == line["message_id"] and second.body == first.body
    assert (
        int(second.headers["prex-webhook-timestamp"]) - int(first.headers["prex-webhook-timestamp"])
        == 300
    )
    certificates = client.get("/api/v1/webhooks/certificates").text
    assert openssl_verify(tmp_path, certificates, second).returncode == 0
    trail = client.get(
        f"/api/v1/audit/webhook_subscription/{sub['id']}", headers=auth(services, "admin")
    )
    assert trail.status_code == 200, trail.text
    assert [e["action"] for e in trail.json()] == [
        "WebhookSubscribed",
        "WebhookRedeliveryRequested",
    ]
    assert (
        client.post(
            "/api/v1/webhooks/deliveries/01ARZ3NDEKTSV4RRFFQ69G5FAV/redeliver",
            headers=auth(services, "admin"),
        ).status_code
        == 404
    )


def test_a_slow_receiver_costs_one_short_timeout_and_holds_up_no_one(
    client: TestClient, world: World, services: Services, receiver: Receiver
) -> None:
    slow = Receiver(delay=2.0).start()
    try:
        subscribe(client, services, slow.url, ["*"])
        subscribe(client, services, receiver.url, ["*"])
        published_tender(client, world, auth(services, "agency"))
        published_tender(client, world, auth(services, "agency"))
        started = time.monotonic()
        assert run_webhooks(services) == 2
        assert time.monotonic() - started < 1.8  # one 0.5 s timeout, not 2 s per event
        assert len(receiver.received) == 2
    finally:
        slow.stop()


def test_subscriptions_take_public_events_and_http_urls_only_and_follow_the_policy(
    client: TestClient, world: World, services: Services, receiver: Receiver
) -> None:
    admin = auth(services, "admin")
    post = "/api/v1/webhooks/subscriptions"
    body = {"client_id": broker(services), "url": receiver.url, "events": ["TenderPublished"]}
    unknown = client.post(post, json={**body, "client_id": "no-such-client"}, headers=admin)
    assert unknown.status_code == 422 and "no-such-client" in unknown.json()["detail"]
    private = client.post(post, json={**body, "events": ["BidSubmitted"]}, headers=admin)
    assert private.status_code == 422 and private.json()["unknown"] == ["BidSubmitted"]
    for url in ("ftp://example.org/x", "/relative", "http://user:pw@example.org/"):
        assert client.post(post, json={**body, "url": url}, headers=admin).status_code == 422
    for who in ("bidder", "tenderer", "agency", "expert", "supervisor"):
        assert client.post(post, json=body, headers=auth(services, who)).status_code == 403
    assert client.post(post, json=body).status_code == 401

    mine = subscribe(client, services, receiver.url, ["TenderPublished"], who="operator")
    assert mine["centre_id"] == world.centre_id
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="operator_hz",
        password=PASSWORD,
        display_name="杭州 值班员",
        roles=["operator"],
        org_id=world.orgs["operator"],
        centre_id=world.city_centre_id,
    )
    other = auth(services, "operator_hz")
    one = f"{post}/{mine['id']}"
    assert client.get(one, headers=other).status_code == 403
    assert client.patch(one, json={"active": False}, headers=other).status_code == 403
    assert client.get(post, headers=other).json()["subscriptions"] == []
    assert [s["id"] for s in client.get(post, headers=admin).json()["subscriptions"]] == [
        mine["id"]
    ]

    paused = client.patch(one, json={"active": False}, headers=auth(services, "operator"))
    assert paused.status_code == 200 and paused.json()["active"] is False
    published_tender(client, world, auth(services, "agency"))
    assert run_webhooks(services) == 0 and receiver.received == []  # paused: nothing queued
    resumed = client.patch(one, json={"active": True}, headers=admin)
    assert resumed.json()["active"] is True
    assert run_webhooks(services) == 0  # the change came while paused: it is not sent later
    assert "TenderPublished" in client.get("/api/v1/webhooks/events").json()["events"]


def test_two_workers_at_once_send_each_delivery_once_in_order(
    client: TestClient, world: World, services: Services
) -> None:
    slowish = Receiver(delay=0.05).start()
    try:
        subscribe(client, services, slowish.url, ["*"])
        for _ in range(3):
            published_tender(client, world, auth(services, "agency"))
        barrier = threading.Barrier(2)
        sent: list[int] = []

        def worker() -> None:
            barrier.wait()
            sent.append(run_webhooks(services))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert run_webhooks(services) == 0
        assert sum(sent) == 3
        assert len(slowish.ids()) == len(set(slowish.ids())) == 3
        seqs = [json.loads(r.body)["seq"] for r in slowish.received]
        assert seqs == public_seqs(services)
    finally:
        slowish.stop()


def test_the_python_receiver_of_the_docs_verifies_deliveries_and_refuses_a_forgery(
    client: TestClient, world: World, services: Services, clock: FixedClock, tmp_path: Path
) -> None:
    """docs/webhooks.md's receiver, run as written (its port and address aside)."""
    text = (REPO_ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    port = free_port()
    code = code.replace('("0.0.0.0", 8080)', f'("127.0.0.1", {port})')
    (tmp_path / "receiver.py").write_text(code)
    (tmp_path / "prex-webhooks.pem").write_text(client.get("/api/v1/webhooks/certificates").text)
    process = subprocess.Popen(
        [sys.executable, "-u", "receiver.py"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/hook"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(url, timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the docs' receiver did not start"
                time.sleep(0.1)
        clock.set(datetime.now(UTC))  # the receiver checks the timestamp against its own clock
        sub = subscribe(client, services, url, ["TenderPublished"])
        tender = published_tender(client, world, auth(services, "agency"))
        assert run_webhooks(services) == 1
        [line] = log_of(client, services, sub["id"])["deliveries"]
        assert (line["status"], line["response_code"]) == ("delivered", 204)
        assert process.stdout is not None
        seq, event, object_id = process.stdout.readline().split()
        assert (event, object_id) == ("TenderPublished", tender["id"])

        assert line["seq"] == int(seq)
        with services.read_session() as session:
            sent = session.execute(webhook_events.select()).one().body.encode()
        headers = signed_headers(services, line["message_id"], "TenderPublished", sent, clock.now())
        forged = sent.replace(b"TenderPublished", b"TenderCancelled")
        assert httpx.post(url, content=forged, headers=headers, trust_env=False).status_code == 400
        stale = signed_headers(
            services, line["message_id"], "TenderPublished", sent, clock.now() - timedelta(hours=1)
        )
        assert httpx.post(url, content=sent, headers=stale, trust_env=False).status_code == 400
        # the same id again (a retry): taken, not acted on twice
        assert httpx.post(url, content=sent, headers=headers, trust_env=False).status_code == 204
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert out == ""  # nothing more was printed: the forgery, the stale one and the repeat
