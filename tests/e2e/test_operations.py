"""Operations endpoints and logs: /healthz, /readyz (naming what failed, quickly), /metrics
(not public; counters that move with real requests and a real bid), request ids, and JSON
access logs that carry no password, client secret, token, bid plaintext or key share."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, text

from prex.audit.orm import outbox_cursors
from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.ops.logs import make_handler
from prex.web.app import create_app
from tests.e2e.test_bid_submission import MARKER, Bidding
from tests.e2e.test_integrations import TOKEN, basic, register
from tests.factories import PASSWORD, World, auth
from tests.pki_openssl import PkiWorld, free_port

SCRAPE_TOKEN = "scrape-token-for-tests-0123456789"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
    assert response.status_code == 200, response.text
    return samples(response.text)


@pytest.fixture
def ops_client(services: Services) -> Iterator[TestClient]:
    """The app with a scrape token configured."""
    settings = services.settings.model_copy(update={"metrics_token": SCRAPE_TOKEN})
    services.settings = settings
    with TestClient(create_app(services)) as c:
        yield c


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the production handler (redacting, JSON lines) writes, for the whole app."""
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_healthz_and_readyz_answer_when_all_is_well(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "blobs": "ok", "keys": "ok"},
    }


def test_readyz_names_an_unreachable_database_quickly(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    settings = get_settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=f"postgresql://postgres@127.0.0.1:{port}/prex",
        password_hashing="fast",
    )
    services = bootstrap(settings)
    try:
        with TestClient(create_app(services)) as c:
            started = time.monotonic()
            ready = c.get("/readyz")
            elapsed = time.monotonic() - started
            assert c.get("/healthz").status_code == 200  # the process itself is fine
    finally:
        services.close()
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == ["database"] and body["status"] == "unavailable"
    assert "OperationalError" in body["checks"]["database"]
    assert elapsed < 3.5


def test_readyz_names_migrations_behind_and_an_unwritable_blob_store(
    client: TestClient, services: Services
) -> None:
    with services.engines.writer.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        body = client.get("/readyz").json()
        assert body["failed"] == ["database"]
        assert "migrations not at head (database 0001" in body["checks"]["database"]
    finally:
        with services.engines.writer.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
    spool = services.settings.blob_dir / "tmp"
    spool.parent.mkdir(parents=True, exist_ok=True)
    if spool.exists():
        spool.rmdir()
    spool.write_text("a file where the spool folder should be")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["blobs"]


def test_metrics_are_refused_to_others_and_served_to_allowed_addresses_or_the_token(
    services: Services,
) -> None:
    services.settings = services.settings.model_copy(update={"metrics_token": SCRAPE_TOKEN})
    app = create_app(services)
    with TestClient(app, client=("203.0.113.9", 4000)) as outside:
        refused = outside.get("/metrics")
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        token = outside.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
        assert token.status_code == 200 and "prex_http_requests_total" in token.text
    with TestClient(app, client=("127.0.0.1", 4000)) as loopback:
        assert loopback.get("/metrics").status_code == 200
    services.settings = services.settings.model_copy(update={"metrics_allow": "203.0.113.0/24"})
    with TestClient(create_app(services), client=("203.0.113.9", 4000)) as listed:
        assert listed.get("/metrics").status_code == 200


def test_request_ids_are_kept_when_well_formed_and_named_in_problems(client: TestClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-Id": "nginx-0123456789abcdef"})
    assert kept.headers["x-request-id"] == "nginx-0123456789abcdef"
    replaced = client.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    assert len(replaced.headers["x-request-id"]) == 24
    missing = client.get("/api/v1/tenders/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert missing.status_code == 404
    assert missing.json()["request_id"] == missing.headers["x-request-id"]


def test_counters_move_and_logs_carry_request_ids_but_no_secrets(
    ops_client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    json_log: io.StringIO,
) -> None:
    client = ops_client
    before = scrape(client)
    signed_in = client.post("/api/v1/session", json={"username": "agency", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    session_token = signed_in.json()["token"]
    registered = register(client, services, world, ["public.read"])
    granted = client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(registered["client_id"], registered["client_secret"]),
    )
    assert granted.status_code == 200, granted.text
    access_token = granted.json()["access_token"]

    bidding = Bidding(client, services, world, pki_world, tmp_path)
    receipt = bidding.submit(bidding.seal(), "op-key-1")
    assert receipt.status_code == 201, receipt.text
    share = "c2hhcmUtdGhhdC1tdXN0LW5ldmVyLWJlLWxvZ2dlZA=="
    released = client.post(
        f"/api/v1/tenders/{bidding.tender['id']}/opening/shares/1",
        json={"escrowed": share},
        headers=auth(services, "operator"),
    )
    assert released.status_code >= 400  # before the deadline: refused, but it was sent

    with services.writer_session() as session:  # a consumer that has read nothing yet
        session.execute(insert(outbox_cursors).values(consumer="ops-test", position=0))
        session.commit()
    after = scrape(client)
    route = "/api/v1/tenders/{tender_id}/bids"
    key = ("prex_http_requests_total", (("method", "POST"), ("route", route), ("status", "201")))
    assert after[key] - before.get(key, 0.0) == 1
    latency = ("prex_http_request_duration_seconds_count", (("method", "POST"), ("route", route)))
    assert after[latency] - before.get(latency, 0.0) == 1
    bids = ("prex_bids_received_total", ())
    assert after[bids] - before.get(bids, 0.0) == 1
    assert not any("01ARZ" in dict(labels).get("route", "") for _, labels in after)
    assert after[("prex_worker_lag_seconds", (("consumer", "ops-test"),))] >= 0
    assert after[("prex_outbox_backlog", (("consumer", "ops-test"),))] > 5

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "prex.access"]
    ids = [line["request_id"] for line in access]
    assert len(ids) == len(set(ids)) and len(access) >= 8
    bid_line = next(line for line in access if line.get("route") == route)
    assert bid_line["status"] == 201 and bid_line["method"] == "POST"
    assert isinstance(bid_line["actor"], str) and bid_line["actor"]
    assert {"time", "level", "message", "duration_ms", "address", "path"} <= set(bid_line)
    everything = json_log.getvalue()
    for secret in (
        PASSWORD,
        registered["client_secret"],
        session_token,
        access_token,
        MARKER,
        share,
    ):
        assert secret not in everything


def test_the_filter_redacts_secrets_a_careless_log_call_would_write(
    json_log: io.StringIO,
) -> None:
    log = logging.getLogger("prex.careless")
    pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----"
    log.info("login %s", {"username": "li", "password": "hunter2-secret"})
    log.info("token request client_secret=abc123xyz&grant_type=client_credentials")
    log.warning("headers: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
    log.error("loaded key %s", pem, extra={"key_share": "s3cr3t-share", "plaintext": "price 1"})
    text_out = json_log.getvalue()
    for secret in (
        "hunter2-secret",
        "abc123xyz",
        "eyJhbGciOiJIUzI1NiJ9",
        "MIGHAgEAMBMG",
        "s3cr3t-share",
        "price 1",
    ):
        assert secret not in text_out
    assert text_out.count("[redacted]") >= 6
    assert "grant_type=client_credentials" in text_out  # the rest of the line survives
