"""Acceptance (issue 4): killing the server process in the middle of an upload and restarting it
leaves no partial bid; retrying with the same idempotency key gives the same receipt.

The server is the real one, started as operators start it (``prex serve``, through the portal
benchmark's launcher) on the test's database — a SQLite file, and PostgreSQL when
``PREX_TEST_DATABASE_URL`` is set — and killed with SIGKILL: no shutdown handler runs, the
kernel simply closes its files and sockets. It runs on the system clock, so the world is built
on the system clock too. Every request is real HTTP over loopback; the partial requests are
written on a raw socket so that the kill lands mid-body.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.bidding.orm import bid_uploads, bids
from prex.bidding.uploads import spool_file
from prex.bootstrap import Services, bootstrap
from prex.config import Settings
from prex.sealing.client import BidForm, seal_bid
from prex.sealing.submit import submit_envelope
from prex.shared.clock import FixedClock, SystemClock
from prex.web.app import create_app
from prex.worker import run_once
from tests.crash_harness import audit_verifies, blobs_intact
from tests.e2e.test_bid_submission import Bidding
from tests.factories import make_world, token_for
from tests.live_server import serve_launcher
from tests.pki_openssl import PkiWorld

HOST = "127.0.0.1"
MIB = 1024 * 1024
OFFSET = "application/offset+octet-stream"


@dataclass
class Live:
    """A real server process over the test's database and data directory, and a world in it."""

    settings: Settings
    services: Services  # the test's own view of the same database and files (system clock)
    bidding: Bidding
    token: str
    workers: int = 1
    server: Any = None

    def start(self, port: int | None = None) -> None:
        self.server = serve_launcher()(
            self.settings.data_dir,
            self.settings.resolved_database_url,
            self.workers,
            port=port,
        )

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or rolled back by the server itself."""
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.process.wait(10)
        self.server.stop()  # only closes the log now
        # Issue 9: after every fault the audit chain verifies and every blob is what its name says.
        audit_verifies(self.settings)
        blobs_intact(self.settings)

    def restart(self, same_port: bool = True) -> None:
        port = self.server.port if same_port else None
        self.kill()
        self.start(port)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.port}"

    @property
    def tender_id(self) -> str:
        return str(self.bidding.tender["id"])

    def headers(self, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **more}

    def seal(self, size: int) -> Path:
        """An envelope of about ``size`` bytes (one document of random bytes)."""
        b = self.bidding
        b.count += 1
        doc = b.tmp / f"large{b.count}.bin"
        doc.write_bytes(os.urandom(size))
        issued = b.pki.leaves["ecdsa-org"]
        out = b.tmp / f"large{b.count}.env"
        seal_bid(
            b.params,
            section_id=None,
            documents=[doc],
            form=BidForm.parse("9876543.21", 300, "王工", "cash", "HZ-2026-0001"),
            certificate_pem=issued.cert.read_bytes()
            + b"".join(p.read_bytes() for p in issued.chain),
            key_pem=issued.key.read_bytes(),
            out=out,
            now=datetime.now(UTC),
            bidder_uscc=b.pki.uscc["ecdsa-org"],
        )
        return out

    def bid_rows(self) -> list[Any]:
        with self.services.read_session() as session:
            return list(
                session.execute(select(bids).where(bids.c.tender_id == self.tender_id)).all()
            )

    def receipt_in_database(self, key: str) -> dict[str, Any] | None:
        with self.services.read_session() as session:
            found = session.execute(
                select(bids.c.receipt).where(bids.c.idempotency_key == key)
            ).scalar_one_or_none()
        return None if found is None else dict(found)


@pytest.fixture
def live(settings: Settings, pki_world: PkiWorld, tmp_path: Path) -> Iterator[Live]:
    services = bootstrap(settings, clock=SystemClock())
    running: Live | None = None
    try:
        with TestClient(create_app(services), base_url="http://testserver") as client:
            world = make_world(services)
            bidding = Bidding(client, services, world, pki_world, tmp_path)
        services.pki.platform_keys()  # made here once, not raced for by the first requests
        running = Live(settings, services, bidding, token_for(services, "sealer"))
        running.start()
        yield running
    finally:
        if running is not None and running.server is not None:
            running.server.stop()
        services.close()


def _wait_for(what: str, check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _partial_request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes, send: int
) -> socket.socket:
    """Send the head and the first ``send`` bytes of ``body`` (announced in full); the socket
    stays open, the rest never comes."""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    sock = socket.create_connection((HOST, port))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[:send])
    return sock


def _spooled(live: Live, suffix: str) -> list[Path]:
    return [p for p in live.services.blobs.spool_dir.iterdir() if p.name.endswith(suffix)]


def _no_trace_of(live: Live, body: bytes) -> None:
    """No bid, and nothing in the blob store, for this envelope."""
    sha = hashlib.sha256(body).hexdigest()
    assert live.bid_rows() == []
    assert not live.services.blobs.exists(sha)
    stored = [p for p in live.settings.blob_dir.rglob(sha) if p.is_file()]
    assert stored == []


def test_a_single_request_upload_killed_mid_body_leaves_nothing_and_the_retry_succeeds(
    live: Live,
) -> None:
    envelope = live.seal(4 * MIB)
    body = envelope.read_bytes()
    key = "crash-single-0001"
    path = f"/api/v1/tenders/{live.tender_id}/bids"
    headers = live.headers(**{"Idempotency-Key": key, "Content-Type": "application/octet-stream"})
    sock = _partial_request(live.server.port, "POST", path, headers, body, 2 * MIB)
    _wait_for(
        "the server to spool half the envelope",
        lambda: any(p.stat().st_size >= 2 * MIB - 64 * 1024 for p in _spooled(live, ".spool")),
    )
    live.restart()
    sock.close()
    _no_trace_of(live, body)
    assert len(_spooled(live, ".spool")) == 1  # the killed request's bytes: spool area only

    first = httpx.post(live.url + path, content=body, headers=headers, timeout=60)
    assert first.status_code == 201, first.text
    second = httpx.post(live.url + path, content=body, headers=headers, timeout=60)
    assert second.status_code == 200
    assert second.content == first.content  # the identical receipt, byte for byte
    assert first.json() == live.receipt_in_database(key)
    assert len(live.bid_rows()) == 1

    # A day later the worker removes what the killed request left in the spool area.
    later = bootstrap(
        live.settings, clock=FixedClock(datetime.now(UTC) + timedelta(days=1, hours=1))
    )
    try:
        assert run_once(later).uploads == 1
    finally:
        later.close()
    assert _spooled(live, ".spool") == []


def test_a_resumable_upload_killed_mid_append_resumes_from_the_committed_offset(
    live: Live,
) -> None:
    envelope = live.seal(4 * MIB)
    body = envelope.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    key = "crash-resume-0001"
    created = httpx.post(
        f"{live.url}/api/v1/tenders/{live.tender_id}/uploads",
        json={"length": len(body), "sha256": sha},
        headers=live.headers(**{"Idempotency-Key": key}),
    )
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    first = httpx.patch(
        f"{live.url}/api/v1/uploads/{upload_id}",
        content=body[:MIB],
        headers=live.headers(**{"Content-Type": OFFSET, "Upload-Offset": "0"}),
    )
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(MIB)

    rest = body[MIB:]
    sock = _partial_request(
        live.server.port,
        "PATCH",
        f"/api/v1/uploads/{upload_id}",
        live.headers(**{"Content-Type": OFFSET, "Upload-Offset": str(MIB)}),
        rest,
        2 * MIB,
    )
    spool = spool_file(live.services, upload_id)
    _wait_for(
        "the server to write the second mebibyte",
        lambda: spool.stat().st_size >= 3 * MIB - 64 * 1024,
    )
    live.restart()
    sock.close()
    _no_trace_of(live, body)
    state = httpx.get(f"{live.url}/api/v1/uploads/{upload_id}", headers=live.headers()).json()
    assert state["status"] == "receiving"
    assert state["offset"] == MIB  # the committed offset; the unacknowledged tail is dropped
    assert spool.stat().st_size > MIB  # … when the next append comes

    done = submit_envelope(live.url, live.token, live.tender_id, envelope, key=key)
    assert done.upload_id == upload_id and done.resumed_from == MIB
    assert done.sent == len(body) - MIB and not done.replayed
    assert done.receipt["envelope_sha256"] == sha
    assert done.receipt == live.receipt_in_database(key)
    assert not spool.exists() and live.services.blobs.exists(sha)

    retries = [
        httpx.patch(
            f"{live.url}/api/v1/uploads/{upload_id}",
            content=b"",
            headers=live.headers(**{"Content-Type": OFFSET, "Upload-Offset": str(len(body))}),
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in retries] == [200, 200]
    assert retries[0].content == retries[1].content  # byte-equal
    assert retries[0].json() == done.receipt
    again = submit_envelope(live.url, live.token, live.tender_id, envelope, key=key)
    assert again.replayed and again.receipt == done.receipt and again.sent == 0
    assert len(live.bid_rows()) == 1


@pytest.mark.parametrize("way", ["single request", "resumable"])
def test_killed_after_the_receipt_was_committed_the_retry_gives_the_same_receipt(
    live: Live, way: str
) -> None:
    envelope = live.seal(2 * MIB)
    body = envelope.read_bytes()
    key = f"crash-after-{way[:6].strip()}-01"
    if way == "single request":
        path = f"/api/v1/tenders/{live.tender_id}/bids"
        headers = live.headers(
            **{"Idempotency-Key": key, "Content-Type": "application/octet-stream"}
        )
    else:
        created = httpx.post(
            f"{live.url}/api/v1/tenders/{live.tender_id}/uploads",
            json={"length": len(body), "sha256": hashlib.sha256(body).hexdigest()},
            headers=live.headers(**{"Idempotency-Key": key}),
        ).json()
        path = f"/api/v1/uploads/{created['id']}"
        headers = live.headers(**{"Content-Type": OFFSET, "Upload-Offset": "0"})
    # The whole request is sent, the answer never read: the kill comes once the bid is stored.
    sock = _partial_request(
        live.server.port, "PATCH" if way == "resumable" else "POST", path, headers, body, len(body)
    )
    _wait_for("the bid to be committed", lambda: live.receipt_in_database(key) is not None)
    live.restart()
    sock.close()
    stored = live.receipt_in_database(key)
    assert stored is not None and len(live.bid_rows()) == 1

    def retry() -> httpx.Response:
        if way == "single request":
            return httpx.post(live.url + path, content=body, headers=headers, timeout=60)
        return httpx.patch(
            live.url + path,
            content=b"",
            headers=live.headers(**{"Content-Type": OFFSET, "Upload-Offset": str(len(body))}),
        )

    first, second = retry(), retry()
    assert first.status_code == 200, first.text
    assert first.json() == stored
    assert second.content == first.content
    if way == "resumable":
        state = httpx.get(live.url + path, headers=live.headers()).json()
        assert state["status"] == "complete" and state["receipt"] == stored
        assert not _spooled(live, ".upload")
    assert len(live.bid_rows()) == 1


def test_the_client_rides_out_a_server_killed_and_restarted_mid_upload(live: Live) -> None:
    """``prex bid submit``'s engine: the server dies under it in the middle of an append and
    comes back on the same port; the client asks for the offset and carries on."""
    envelope = live.seal(4 * MIB)
    killed: list[int] = []

    def progress(at: int, total: int) -> None:
        if not killed and at >= 2 * MIB + MIB // 2:  # inside the third append's body
            killed.append(at)
            live.restart(same_port=True)

    done = submit_envelope(
        live.url, live.token, live.tender_id, envelope, chunk_bytes=MIB, progress=progress
    )
    assert killed, "the server was not killed mid-upload"
    assert done.resumed_from == 0 and not done.replayed
    assert done.receipt == live.receipt_in_database(done.key)
    assert done.receipt["envelope_sha256"] == hashlib.sha256(envelope.read_bytes()).hexdigest()
    assert len(live.bid_rows()) == 1


def test_prex_bid_submit_resumes_an_interrupted_upload(live: Live) -> None:
    envelope = live.seal(3 * MIB)
    body = envelope.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    key = "cli-resume-00001"
    created = httpx.post(
        f"{live.url}/api/v1/tenders/{live.tender_id}/uploads",
        json={"length": len(body), "sha256": sha},
        headers=live.headers(**{"Idempotency-Key": key}),
    ).json()
    earlier_run = httpx.patch(  # an earlier run got this far
        f"{live.url}/api/v1/uploads/{created['id']}",
        content=body[: 2 * MIB],
        headers=live.headers(**{"Content-Type": OFFSET, "Upload-Offset": "0"}),
    )
    assert earlier_run.status_code == 204
    env = dict(os.environ, PREX_TOKEN=live.token, PREX_SERVER=live.url)

    def prex(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "prex.cli.main", "bid", "submit", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    run = prex("--tender", live.tender_id, str(envelope), "--key", key, "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["resumed_from"] == 2 * MIB and summary["sent"] == len(body) - 2 * MIB
    assert summary["receipt"]["envelope_sha256"] == sha and not summary["replayed"]
    kept = json.loads(Path(summary["receipt_file"]).read_text())
    assert kept == summary["receipt"] == live.receipt_in_database(key)

    again = prex("--tender", live.tender_id, str(envelope), "--key", key, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["replayed"] and json.loads(again.stdout)["receipt"] == kept

    human = prex("--tender", live.tender_id, str(envelope), "--key", key)
    assert human.returncode == 0 and "already received" in human.stdout

    refused = prex("--tender", "01ARZ3NDEKTSV4RRFFQ69G5FAV", str(envelope))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "(not-found)" in refused.stderr
    assert len(live.bid_rows()) == 1


@pytest.fixture
def two_processes(live: Live) -> Live:
    live.server.stop()
    live.workers = 2
    live.start()
    return live


def test_appends_served_by_different_server_processes_complete_one_upload(
    two_processes: Live,
) -> None:
    """Several server processes: each append on a fresh connection, wherever the kernel sends
    it; the state is in the database, the bytes in the shared spool area."""
    live = two_processes
    envelope = live.seal(3 * MIB)
    body = envelope.read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    created = httpx.post(
        f"{live.url}/api/v1/tenders/{live.tender_id}/uploads",
        json={"length": len(body), "sha256": sha},
        headers=live.headers(**{"Idempotency-Key": "two-processes-01"}),
    ).json()
    step = len(body) // 6 + 1
    answer = None
    for start in range(0, len(body), step):
        answer = httpx.patch(  # a new connection every time
            f"{live.url}/api/v1/uploads/{created['id']}",
            content=body[start : start + step],
            headers=live.headers(**{"Content-Type": OFFSET, "Upload-Offset": str(start)}),
        )
        assert answer.status_code in (201, 204), answer.text
    assert answer is not None and answer.status_code == 201
    assert answer.json()["envelope_sha256"] == sha
    with live.services.read_session() as session:
        assert session.execute(select(func.count()).select_from(bid_uploads)).scalar_one() == 1
    assert len(live.bid_rows()) == 1
