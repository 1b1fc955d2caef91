"""A city instance pushes its national data-spec records to a province instance over loopback
HTTP (a real uvicorn server), each request signed with an OpenSSL-made certificate: the whole
life cycle of a tender arrives once per record version, through outages and lost answers."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.exchange.dataspec.builders import tender_records, wan_text
from prex.exchange.dataspec.model import Header
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.dataspec.sender import push_pending
from prex.exchange.dataspec.sources import tender_facts
from prex.shared.clock import FixedClock
from prex.tenders.deal_code import is_valid_deal_code
from prex.worker import run_once
from tests.e2e import dataspec_world
from tests.e2e.dataspec_world import (
    CITY,
    Province,
    city_pusher,
    drain,
    pending,
    queued,
)
from tests.e2e.test_auction_end_to_end import (
    test_a_land_listing_from_announcement_to_the_signed_confirmation as listing_flow,
)
from tests.e2e.test_award import test_from_sealed_bids_to_a_signed_contract as award_flow
from tests.factories import World, auth, project_body, published_tender, tender_body
from tests.opening_world import Opening
from tests.pki_openssl import PkiWorld

# The province's fixtures (a module of their own, not the shared conftest).
province = dataspec_world.province
pg_province = dataspec_world.pg_province
pytestmark = pytest.mark.usefixtures("close_pushers")
close_pushers = dataspec_world.close_pushers

LIFE_CYCLE = {
    "TENDER_PROJECT",
    "SECTION",
    "TENDER_LIST",
    "BID_OPENING_RECORD",
    "BID_EVALUATION_EXPERT",
    "WIN_CANDIDATE",
    "RESULT_NOTICE",
    "OBJECTION",
    "PROJECT_ALERTING",
}


def _content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "DATA_TIMESTAMP"}


def test_the_worker_pushes_a_tenders_life_cycle_and_the_province_has_each_record_once(
    opening: Opening, province: Province, pki_world: PkiWorld, tmp_path: Path
) -> None:
    pusher = city_pusher(opening.services, province.records_url, pki_world, tmp_path)
    stop, failures = threading.Event(), []

    def worker() -> None:  # the worker's exchange step, passing while the tender goes on
        while not stop.is_set():
            try:
                queue_dataspec_records(pusher)
                push_pending(pusher)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
            stop.wait(0.05)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        (tmp_path / "award").mkdir()
        award_flow(opening, tmp_path / "award")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert failures == []
    drain(pusher)

    stored = province.stored()
    sent = queued(pusher)
    assert all(q.outcome in ("accepted", "duplicate") for q in sent), [
        (q.idempotency_key, q.refusal, q.last_error) for q in sent if q.outcome == "refused"
    ]
    keys = [r["idempotency_key"] for r in stored]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(q.idempotency_key for q in sent)
    assert {r["dataset"] for r in stored} >= LIFE_CYCLE

    # The newest version of each record upstream is what the city would build now.
    with pusher.read_session() as session:
        facts = tender_facts(session, opening.id)
    assert facts is not None
    header = Header(CITY, pusher.settings.pub_service_plat_code, pusher.clock.now())
    expected = {
        (name, DATASETS[name].key_of(record)): _content(record)
        for name, record in tender_records(facts, header)
    }
    latest = {(r["dataset"], r["record_key"]): _content(r["record"]) for r in stored}
    assert latest == expected

    # Bidders only after the opening, experts only with the published result. Each record is
    # built from the tender as the queue finds it (a worker lagging behind the outbox builds an
    # earlier event from a later state), so the proof is the content, not the event's position:
    # every bidder row sent carries a price read out at the opening — unknowable before it —
    # and every expert row sent is the published committee's, as it stands.
    assert facts.opening is not None and facts.result is not None
    prices = {wan_text(b.price) for b in facts.opening.bids}
    bidder_rows = [q for q in sent if q.dataset == "TENDER_LIST"]
    assert bidder_rows and all(q.record["BID_AMOUNT"] in prices for q in bidder_rows)
    expert_rows = [q for q in sent if q.dataset == "BID_EVALUATION_EXPERT"]
    assert expert_rows and all(
        _content(q.record) == expected[(q.dataset, DATASETS[q.dataset].key_of(q.record))]
        for q in expert_rows
    )


class Outage(httpx.BaseTransport):
    """The network to the upstream: down (connection refused), up, or losing every answer after
    the upstream has processed the request (the sender dies before it records the answer)."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.state = "down"
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.state == "down":
            raise httpx.ConnectError("connection refused", request=request)
        response = self.real.handle_request(request)
        if self.state == "lose-answers":
            response.read()
            response.close()
            raise httpx.ReadError("connection reset before the answer was read", request=request)
        return response

    def close(self) -> None:
        self.real.close()


def test_a_dead_upstream_backs_off_then_gets_everything_once(
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    pusher = city_pusher(services, province.records_url, pki_world, tmp_path)
    network = Outage()
    published_tender(client, world, auth(services, "agency"))
    count = queue_dataspec_records(pusher)
    assert count >= 2  # the project and its section(s)

    started = time.monotonic()
    assert push_pending(pusher, transport=network) == 0
    assert time.monotonic() - started < 5  # a dead upstream never holds the worker
    rows = pending(pusher)
    assert [r.attempts for r in rows] == [1] * count
    assert {r.next_attempt_at for r in rows} == {clock.now() + timedelta(seconds=1)}
    assert push_pending(pusher, transport=network) == 0 and network.requests == 1  # backing off
    clock.advance(timedelta(seconds=1))
    push_pending(pusher, transport=network)
    assert {r.next_attempt_at for r in pending(pusher)} == {clock.now() + timedelta(seconds=2)}
    assert province.stored() == []
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    shown = CliRunner().invoke(app, ["upstream", "status", "--json"])
    assert shown.exit_code == 0, shown.output
    state = json.loads(shown.output)
    assert state["counts"] == {"pending": count}
    assert {p["attempts"] for p in state["problems"]} == {2}
    assert all("connection refused" in p["error"] for p in state["problems"])

    network.state = "up"
    clock.advance(timedelta(seconds=2))
    assert push_pending(pusher, transport=network) == count
    assert pending(pusher) == []
    stored = province.stored()
    assert len(stored) == count and {r["version"] for r in stored} == {1}


def test_answers_lost_mid_batch_are_sent_again_without_duplicates(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    pusher = city_pusher(services, province.records_url, pki_world, tmp_path)
    network = Outage()
    network.state = "lose-answers"
    published_tender(client, world, auth(services, "agency"))
    count = queue_dataspec_records(pusher)
    assert push_pending(pusher, transport=network) == 0
    assert len(province.stored()) == count  # the upstream has them; the city does not know
    assert len(pending(pusher)) == count

    # The sender "restarts": a fresh Services over the same database, the network back up.
    pusher.close()
    restarted = city_pusher(services, province.records_url, pki_world, tmp_path)
    clock.advance(timedelta(seconds=1))
    assert push_pending(restarted) == count
    assert {q.outcome for q in queued(restarted)} == {"duplicate"}
    stored = province.stored()
    assert len(stored) == count
    assert len({r["idempotency_key"] for r in stored}) == count


def test_a_worker_pass_counts_the_records_pushed_and_pushes_nothing_without_an_upstream(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
) -> None:
    published_tender(client, world, auth(services, "agency"))
    assert run_once(services).pushed == 0  # no PREX_UPSTREAM_URL: nothing queued or sent
    assert queued(services) == []
    pusher = city_pusher(services, province.records_url, pki_world, tmp_path)
    result = run_once(pusher)
    assert result.pushed == len(province.stored()) >= 2
    assert run_once(pusher).pushed == 0  # nothing changed: no new version


def test_a_sold_land_listing_goes_up_with_its_deal_under_a_deal_code_of_its_own(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    (tmp_path / "auction").mkdir()
    listing_flow(client, services, world, pki_world, tmp_path / "auction", clock)
    pusher = city_pusher(services, province.records_url, pki_world, tmp_path)
    drain(pusher)
    stored = {r["dataset"]: r["record"] for r in province.stored()}
    assert set(stored) == {"LAND_LISTING", "LISTING_DEAL"}
    listing, deal = stored["LAND_LISTING"], stored["LISTING_DEAL"]
    assert is_valid_deal_code(listing["UNIFIED_DEAL_CODE"])
    assert deal["UNIFIED_DEAL_CODE"] == listing["UNIFIED_DEAL_CODE"]
    assert listing["START_PRICE"] == "1500.000000" and listing["TRANSFER_METHOD"] == "1"
    assert deal["DEAL_RESULT"] == "1" and deal["DEAL_AMOUNT"] == "2400.000000"
    assert deal["TRANSFEREE_CODE"] == pki_world.uscc["rsa-org"]
    # The code is the listing's for good: a later pass allocates no other.
    queue_dataspec_records(pusher)
    assert {r["record"]["UNIFIED_DEAL_CODE"] for r in province.stored()} == {
        listing["UNIFIED_DEAL_CODE"]
    }


def test_nothing_of_a_draft_or_a_sandbox_tender_is_queued(
    client: TestClient, world: World, services: Services, pki_world: PkiWorld, tmp_path: Path
) -> None:
    agency = auth(services, "agency")
    for sandbox in (False, True):
        project = client.post(
            "/api/v1/projects", json=project_body(world, sandbox=sandbox), headers=agency
        ).json()
        tender = client.post(
            "/api/v1/tenders", json=tender_body(project["id"], services), headers=agency
        )
        assert tender.status_code == 201, tender.text
        if sandbox:  # a training tender, published on its accelerated clock
            url = f"/api/v1/tenders/{tender.json()['id']}"
            files = {"file": ("招标文件.pdf", b"%PDF-1.4 sandbox", "application/pdf")}
            assert client.post(f"{url}/documents", files=files, headers=agency).status_code == 201
            published = client.post(f"{url}/publish", headers=agency)
            assert published.status_code == 200, published.text
    pusher = city_pusher(services, "http://127.0.0.1:9/unused", pki_world, tmp_path)
    assert queue_dataspec_records(pusher) == 0
    assert queued(pusher) == []


def test_a_deal_whose_records_cannot_be_built_does_not_hold_up_the_others(
    client: TestClient,
    world: World,
    services: Services,
    pki_world: PkiWorld,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = published_tender(client, world, auth(services, "agency"))["id"]
    fine = published_tender(client, world, auth(services, "agency"))["id"]

    def facts(session: Any, tender_id: str) -> Any:
        if tender_id == broken:
            raise KeyError("a report without its candidates")
        return tender_facts(session, tender_id)

    monkeypatch.setattr("prex.exchange.dataspec.outbound.tender_facts", facts)
    pusher = city_pusher(services, "http://127.0.0.1:9/unused", pki_world, tmp_path)
    assert queue_dataspec_records(pusher) >= 2
    assert {q.deal_code for q in queued(pusher)} == {
        r.record["UNIFIED_DEAL_CODE"] for r in queued(pusher)
    }
    assert len({q.deal_code for q in queued(pusher)}) == 1
    assert f"tender {broken}" in caplog.text and fine not in caplog.text
    assert queue_dataspec_records(pusher) == 0  # the cursor moved on
