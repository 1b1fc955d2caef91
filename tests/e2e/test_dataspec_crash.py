"""The sender killed for real (SIGKILL) after the province stored a batch but before the city
recorded the answer: restarted, it sends the batch again and the province stores nothing twice.

`prex upstream push` runs as a process of its own; between it and the province a relay forwards
the request, then holds the answer back until the sender has been killed."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.signing import SIGNATURE_HEADER
from tests.crash_harness import audit_verifies, blobs_intact, crash_run
from tests.e2e import dataspec_world
from tests.e2e.dataspec_world import (
    CITY,
    SIGNER,
    Province,
    city_pusher,
    pending,
    queued,
    signer_pem,
)
from tests.factories import World, auth, published_tender
from tests.pki_openssl import PkiWorld, free_port

province = dataspec_world.province
pg_province = dataspec_world.pg_province
close_pushers = dataspec_world.close_pushers
pytestmark = pytest.mark.usefixtures("close_pushers")
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def relay(target: str) -> Iterator[tuple[str, threading.Event, threading.Event]]:
    """A relay that forwards one POST to ``target`` and then keeps the answer until released."""
    forwarded, release = threading.Event(), threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["content-length"]))
            headers = {
                "content-type": "application/json",
                SIGNATURE_HEADER: self.headers[SIGNATURE_HEADER],
            }
            httpx.post(target, content=body, headers=headers, timeout=60).raise_for_status()
            forwarded.set()
            release.wait(60)  # the sender is killed meanwhile; the answer never reaches it

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/api/v1/upstream/records", forwarded, release
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def push_process(services: Services, url: str, pki: PkiWorld, tmp: Path) -> subprocess.Popen[str]:
    settings = services.settings
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "PREX_ENVIRONMENT": "test",
        "PREX_DATABASE_URL": settings.resolved_database_url,
        "PREX_DATA_DIR": str(settings.data_dir),
        "PREX_PASSWORD_HASHING": "fast",
        "PREX_PLATFORM_CODE": CITY,
        "PREX_UPSTREAM_URL": url,
        "PREX_UPSTREAM_CERTIFICATE": str(signer_pem(pki, SIGNER, tmp)),
        "PREX_UPSTREAM_KEY": str(pki.leaves[SIGNER].key),
        "PREX_UPSTREAM_TIMEOUT": "120",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "prex.cli.main", "upstream", "push", "--json"],
        env=env,
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_sender_killed_mid_batch_loses_and_doubles_nothing(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
) -> None:
    published_tender(client, world, auth(services, "agency"))
    published_tender(client, world, auth(services, "agency"))
    count = queue_dataspec_records(city_pusher(services, province.records_url, pki_world, tmp_path))
    assert count >= 4

    with relay(province.records_url) as (url, forwarded, _release):
        sender = push_process(services, url, pki_world, tmp_path)
        try:
            assert forwarded.wait(60), sender.communicate(timeout=5)
        finally:
            sender.kill()  # SIGKILL: no clean-up, no answer recorded
            sender.communicate(timeout=10)  # reaps it and closes its pipes
    assert len(province.stored()) == count  # the province has the batch …
    assert len(pending(services)) == count  # … the city does not know it
    audit_verifies(services.settings)  # issue 9: the chain and the blobs after every fault
    blobs_intact(services.settings)

    restarted = push_process(services, province.records_url, pki_world, tmp_path)
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    assert '"pending": 0' in out
    assert {q.outcome for q in queued(services)} == {"duplicate"}
    stored = province.stored()
    assert len(stored) == count == len({r["idempotency_key"] for r in stored})
    audit_verifies(services.settings)
    blobs_intact(services.settings)


def test_the_worker_killed_at_the_ack_failpoint_resends_and_the_province_stores_once(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
) -> None:
    """``dataspec.after_ack`` armed in the city's worker: the second batch is stored by the
    province, the worker dies before recording the answer; the next pass sends it again."""
    published_tender(client, world, auth(services, "agency"))
    published_tender(client, world, auth(services, "agency"))
    count = queue_dataspec_records(city_pusher(services, province.records_url, pki_world, tmp_path))
    assert count >= 3
    overrides = {
        "platform_code": CITY,
        "upstream_url": province.records_url,
        "upstream_certificate": signer_pem(pki_world, SIGNER, tmp_path),
        "upstream_key": pki_world.leaves[SIGNER].key,
        "upstream_batch": 1,
    }
    now = services.clock.now()

    killed = crash_run(services.settings, now, failpoints="dataspec.after_ack@2", worker=True,
                       overrides=overrides)  # fmt: skip
    assert killed.killed, killed.output
    assert len(province.stored()) == 2  # two batches (of one) stored by the province …
    assert [q.outcome for q in queued(services)][:3] == ["accepted", None, None]
    assert len(pending(services)) == count - 1  # … the second one not known sent by the city
    for settings in (services.settings, province.services.settings):
        audit_verifies(settings)
        blobs_intact(settings)

    again = crash_run(services.settings, now, failpoints=None, worker=True, overrides=overrides)
    assert again.returncode == 0, again.output
    assert pending(services) == []
    outcomes = [q.outcome for q in queued(services)]
    assert outcomes[:2] == ["accepted", "duplicate"]
    assert set(outcomes[2:]) == {"accepted"}
    stored = province.stored()
    assert len(stored) == count == len({r["idempotency_key"] for r in stored})
    for settings in (services.settings, province.services.settings):
        audit_verifies(settings)
        blobs_intact(settings)
