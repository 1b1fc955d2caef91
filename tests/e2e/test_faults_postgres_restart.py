"""Issue 9, faults: PostgreSQL restarted under load. While it is down, every request to the real
server (``prex serve`` in a process of its own) fails cleanly and at once — a 503
``database-unavailable`` problem with Retry-After, no hang, no 500 — and when it is back the very
same prex process serves reads and writes again: no restart of prex. No acknowledged write is
lost, none is made twice, and the audit chain verifies.

The cluster is the test's own (tests/private_postgres.py), stopped with ``pg_ctl stop -m
immediate`` (the server gone as in a crash; recovery runs when it starts again); the shared
PostgreSQL other tests use is never touched."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.bootstrap import Services, bootstrap
from prex.config import Settings, get_settings
from prex.db.migrate import upgrade
from prex.shared.clock import SystemClock
from prex.tenders.orm import projects
from prex.web.app import create_app
from tests.crash_harness import audit_verifies
from tests.factories import make_world, project_body, token_for
from tests.live_server import serve_launcher
from tests.private_postgres import PrivatePostgres, private_postgres

CLIENTS = 3  # readers, each with its own keep-alive connection; one more client writes


@dataclass(frozen=True)
class Answer:
    at: float
    kind: str  # "read" | "write"
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    problem: str | None
    retry_after: str | None
    took: float


@pytest.fixture
def cluster() -> Iterator[PrivatePostgres]:
    with private_postgres() as pg:
        yield pg


class Load:
    """Readers in a loop and a writer creating a project every 0.2 s, until stopped."""

    def __init__(self, base: str, token: str, project: dict[str, Any]) -> None:
        self.base, self.token, self.project = base, token, project
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(CLIENTS)
        ] + [threading.Thread(target=self._write, daemon=True)]

    def _note(self, kind: str, started: float, response: httpx.Response | None) -> None:
        problem = None
        if response is not None and response.headers.get("content-type", "").startswith(
            "application/problem+json"
        ):
            problem = str(response.json()["type"])
        answer = Answer(
            started,
            kind,
            None if response is None else response.status_code,
            problem,
            None if response is None else response.headers.get("retry-after"),
            time.monotonic() - started,
        )
        with self._lock:
            self.answers.append(answer)

    def _call(self, client: httpx.Client, kind: str, method: str, path: str, **kw: Any) -> None:
        started = time.monotonic()
        try:
            response: httpx.Response | None = client.request(method, path, **kw)
        except httpx.HTTPError:
            response = None
        self._note(kind, started, response)

    def _read(self, n: int) -> None:
        paths = ["/api/v1/tenders", "/api/v1/health", "/api/v1/tenders?q=工程"]
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.stop.is_set():
                self._call(client, "read", "GET", paths[n % len(paths)], headers=headers)
                time.sleep(0.05)

    def _write(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.stop.is_set():
                self._call(client, "write", "POST", "/api/v1/projects", json=self.project,
                           headers=headers)  # fmt: skip
                time.sleep(0.2)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(20)

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]


def _projects(services: Services) -> int:
    with services.read_session() as session:
        return int(session.execute(select(func.count()).select_from(projects)).scalar_one())


def test_postgres_restarted_under_load_fails_cleanly_and_prex_recovers_by_itself(
    cluster: PrivatePostgres, tmp_path: Path
) -> None:
    upgrade(cluster.url)
    settings: Settings = get_settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=cluster.url,
        password_hashing="fast",
    )
    services = bootstrap(settings, clock=SystemClock())
    try:
        with TestClient(create_app(services), base_url="http://testserver"):
            world = make_world(services)
        token = token_for(services, "agency")
        baseline = _projects(services)
        server = serve_launcher()(settings.data_dir, settings.resolved_database_url, 1)
        try:
            with Load(f"http://127.0.0.1:{server.port}", token, project_body(world)) as load:
                time.sleep(1.0)
                up_until = time.monotonic()
                cluster.stop("immediate")
                down_from = time.monotonic()
                time.sleep(2.0)
                down_until = time.monotonic()
                cluster.start()
                back_from = time.monotonic()
                deadline = back_from + 15
                while not any(a.status == 201 for a in load.between(back_from, time.monotonic())):
                    assert time.monotonic() < deadline, "writes did not recover within 15 s"
                    time.sleep(0.1)
                recovered = time.monotonic()
                time.sleep(1.0)
                settled = time.monotonic()
            assert server.process.poll() is None, "prex itself went down"
        finally:
            server.stop()

        before = load.between(0, up_until)
        assert before and all(a.status in (200, 201) for a in before), before
        outage = load.between(down_from + 0.2, down_until)  # requests begun once it was down
        assert len(outage) >= 10, outage
        for answer in outage:
            assert answer.status == 503, answer  # never a hang, a dropped connection or a 500
            assert answer.problem == "/problems/database-unavailable", answer
            assert answer.retry_after is not None and int(answer.retry_after) > 0, answer
            assert answer.took < 5, answer
        assert {a.kind for a in outage} == {"read", "write"}
        assert all(a.status is not None for a in load.answers), "prex dropped a connection"
        assert all(a.status != 500 for a in load.answers), [a for a in load.answers if a.status]
        after = load.between(recovered + 0.3, settled)
        assert after and all(a.status in (200, 201) for a in after), after

        writes = [a for a in load.answers if a.kind == "write"]
        acknowledged = sum(1 for a in writes if a.status == 201)
        services.engines.dispose()  # the test's own pooled connections died with the server
        stored = _projects(services) - baseline
        # Nothing acknowledged is lost; nothing is stored that was not asked for (a write cut
        # off mid-commit may or may not have been stored: its client was told to retry).
        assert acknowledged <= stored <= len(writes), (acknowledged, stored, len(writes))
        audit_verifies(settings)
    finally:
        services.close()
