"""The acceptance test of federation: three real instances on loopback — two cities and their
province — each its own data dir, database, `prex serve` and `prex worker` processes.

The cities publish tenders while everything runs; each city's worker pushes its data-spec
records to the province (signed, PREX_UPSTREAM_URL) and publishes OCDS releases, which the
province's worker pulls from the city's feed (`prex federate`). Mid-stream, each instance is
killed with SIGKILL once and restarted: city A's worker while it pushes, the province's server
while it ingests pushes, the province's worker while it pulls pages, city B's server while the
province pulls from it. At the end the province holds, per source and per dataset, exactly what
each city holds: nothing lost, nothing twice, the records compiled alike.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.audit.orm import outbox, outbox_cursors
from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.exchange.dataspec.inbound import register_platform
from prex.exchange.dataspec.orm import dataspec_push_queue, upstream_records
from prex.exchange.dataspec.outbound import CONSUMER as QUEUE
from prex.exchange.federation.orm import federated_records, federated_releases
from prex.exchange.federation.subscribe import subscribe
from prex.exchange.releases.orm import ocds_records, ocds_releases
from prex.exchange.releases.publisher import CONSUMER as PUBLISHER
from prex.shared.clock import SystemClock
from prex.web.app import create_app
from tests.e2e.dataspec_world import signer_pem
from tests.factories import ADMIN_ACTOR, World, auth, make_world, published_tender
from tests.instances import instance_database
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld, free_port

REPO = Path(__file__).resolve().parents[2]
PROVINCE = "PREX330000"
CITIES = {"PREX330100": ("杭州市公共资源交易中心", "rsa-orgid"),
          "PREX330200": ("宁波市公共资源交易中心", "rsa-org")}  # fmt: skip
DEADLINE = 120.0  # seconds for everything to converge after the last tender


@dataclass
class Instance:
    """One centre: its database, data dir and port; its server and worker processes."""

    code: str
    name: str
    url: str
    data_dir: Path
    port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    kills: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("PREX_")},
            "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
            "PREX_ENVIRONMENT": "test",
            "PREX_DATABASE_URL": self.url,
            "PREX_DATA_DIR": str(self.data_dir),
            "PREX_PASSWORD_HASHING": "fast",
            "PREX_PLATFORM_CODE": self.code,
            "PREX_PLATFORM_NAME": self.name,
            "PREX_BASE_URL": self.base,
            "PREX_WORKER_INTERVAL_SECONDS": "0.3",
            **self.extra_env,
        }

    def _spawn(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.data_dir / log).open("ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "prex.cli.main", *args],
                cwd=self.data_dir,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: SIGKILL reaches all of it
            )
        finally:
            out.close()

    def start_server(self) -> None:
        self.server = self._spawn("serve", "--host", "127.0.0.1", "--port", str(self.port),
                                  log="server.log")  # fmt: skip

    def wait_server(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self.server is not None and self.server.poll() is None, self.log("server")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, self.log("server")
            time.sleep(0.1)

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", log="worker.log")

    def kill(self, which: str) -> None:
        """SIGKILL the server's or the worker's process group: no clean-up at all."""
        process = self.server if which == "server" else self.worker
        assert process is not None and process.poll() is None, self.log(which)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        self.kills.append(which)

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)

    def log(self, which: str) -> str:
        path = self.data_dir / f"{which}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class SlowRelay:
    """A loopback relay in front of a city's feed that holds each page for a moment, so that
    the province's puller can be killed while a page is on its way (``in_flight``)."""

    def __init__(self, target_port: int, delay: float = 0.25) -> None:
        relay = self
        self.in_flight = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with relay.lock:
                    relay.in_flight += 1
                try:
                    time.sleep(delay)
                    try:
                        answer = httpx.get(
                            f"http://127.0.0.1:{target_port}{self.path}",
                            headers={"host": self.headers["host"]},  # links.next: the relay
                            timeout=5,
                        )
                        status, body = answer.status_code, answer.content
                    except httpx.HTTPError:
                        status, body = 502, b"{}"
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the puller was killed while waiting: nobody to answer
                    pass
                finally:
                    with relay.lock:
                        relay.in_flight -= 1

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def feed(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/ocds/releases"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _services(instance: Instance) -> Services:
    settings = get_settings(environment="test", data_dir=instance.data_dir,
                            database_url=instance.url, password_hashing="fast",
                            platform_code=instance.code, platform_name=instance.name)  # fmt: skip
    return bootstrap(settings, clock=SystemClock())


@dataclass
class City:
    instance: Instance
    services: Services
    world: World
    client: TestClient
    headers: dict[str, str]

    def publish_tenders(self, n: int) -> None:
        for _ in range(n):
            published_tender(self.client, self.world, self.headers)


@pytest.fixture
def centres(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, pki_world: PkiWorld
) -> Iterator[tuple[Instance, list[City], list[SlowRelay]]]:
    def make(role: str, code: str, name: str, extra: dict[str, str]) -> Instance:
        folder = tmp_path / role
        folder.mkdir(parents=True, exist_ok=True)
        url = instance_database(backend, f"c3{role}", tmp_path, request)
        return Instance(code, name, url, folder, free_port(), extra)

    province = make("province", PROVINCE, "浙江省公共资源交易中心", {
        "PREX_FEDERATION_INTERVAL_SECONDS": "0.3", "PREX_FEDERATION_PAGE_SIZE": "3",
        "PREX_FEDERATION_RETRY_SECONDS": "0.3", "PREX_FEDERATION_RETRY_MAX_SECONDS": "1",
        "PREX_FEDERATION_TIMEOUT": "3"})  # fmt: skip
    cities: list[City] = []
    relays: list[SlowRelay] = []
    instances = [province]
    setup = _services(province)
    trust_world(setup, pki_world)
    try:
        for n, (code, (name, signer)) in enumerate(CITIES.items()):
            pem = signer_pem(pki_world, signer, tmp_path)
            instance = make(f"city{n}", code, name, {
                "PREX_UPSTREAM_URL": f"{province.base}/api/v1/upstream/records",
                "PREX_UPSTREAM_CERTIFICATE": str(pem),
                "PREX_UPSTREAM_KEY": str(pki_world.leaves[signer].key),
                "PREX_UPSTREAM_BATCH": "3", "PREX_UPSTREAM_TIMEOUT": "3",
                "PREX_UPSTREAM_RETRY_SECONDS": "0.3",
                "PREX_UPSTREAM_RETRY_MAX_SECONDS": "1"})  # fmt: skip
            instances.append(instance)
            register_platform(setup, setup.uow(ADMIN_ACTOR), code=code, name=name,
                              certificate_pem=pem.read_bytes(),
                              credit_code=pki_world.uscc[signer])  # fmt: skip
            relay = SlowRelay(instance.port)
            relays.append(relay)
            subscribe(setup, relay.feed, code=code, name=name)  # not up yet: code given
            services = _services(instance)
            world = make_world(services)
            client = TestClient(create_app(services), base_url="http://testserver")
            cities.append(City(instance, services, world, client, auth(services, "agency")))
    finally:
        setup.close()
    for instance in instances:
        instance.start_server()
    for instance in instances:
        instance.wait_server()
        instance.start_worker()
    try:
        yield province, cities, relays
    finally:
        for instance in instances:
            instance.stop()
        for relay in relays:
            relay.close()
        for city in cities:
            city.client.close()
            city.services.close()


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30.0) -> float:
    """Poll until ``check()``; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def count(services: Services, query: Any) -> int:
    with services.read_session() as session:
        return int(session.execute(query).scalar_one())


def pushed_to(province: Services, code: str) -> int:
    return count(province, select(func.count()).select_from(upstream_records)
                 .where(upstream_records.c.platform_code == code))  # fmt: skip


def total_pushed_to(province: Services, cities: list[City]) -> int:
    return sum(pushed_to(province, c.instance.code) for c in cities)


def pulled_from(province: Services, code: str) -> int:
    return count(province, select(func.count()).select_from(federated_releases)
                 .where(federated_releases.c.source == code))  # fmt: skip


def pending(city: Services) -> int:
    return count(city, select(func.count()).select_from(dataspec_push_queue)
                 .where(dataspec_push_queue.c.sent_at.is_(None)))  # fmt: skip


def releases_of(city: Services) -> int:
    return count(city, select(func.count()).select_from(ocds_releases))


def city_state(city: Services) -> dict[str, Any]:
    """What a city holds: records queued per dataset (with their keys), releases, records."""
    with city.read_session() as session:
        queued = session.execute(
            select(dataspec_push_queue.c.dataset, dataspec_push_queue.c.idempotency_key,
                   dataspec_push_queue.c.outcome)
        ).all()  # fmt: skip
        releases = set(session.execute(select(ocds_releases.c.ocid, ocds_releases.c.id)).all())
        compiled = {
            r.ocid: orjson.dumps(r.compiled, option=orjson.OPT_SORT_KEYS)
            for r in session.execute(select(ocds_records.c.ocid, ocds_records.c.compiled))
        }
    return {
        "datasets": Counter(q.dataset for q in queued),
        "keys": sorted(q.idempotency_key for q in queued),
        "outcomes": Counter(q.outcome for q in queued),
        "releases": releases,
        "compiled": compiled,
    }


def province_state(province: Services, code: str) -> dict[str, Any]:
    with province.read_session() as session:
        stored = session.execute(
            select(upstream_records.c.dataset, upstream_records.c.idempotency_key).where(
                upstream_records.c.platform_code == code
            )
        ).all()
        releases = session.execute(
            select(federated_releases.c.ocid, federated_releases.c.release_id).where(
                federated_releases.c.source == code
            )
        ).all()
        compiled = {
            r.ocid: orjson.dumps(r.compiled, option=orjson.OPT_SORT_KEYS)
            for r in session.execute(
                select(federated_records.c.ocid, federated_records.c.compiled).where(
                    federated_records.c.source == code
                )
            )
        }
    return {
        "datasets": Counter(s.dataset for s in stored),
        "keys": sorted(s.idempotency_key for s in stored),
        "release_rows": len(releases),
        "releases": set(releases),
        "compiled": compiled,
    }


def outbox_read(city: Services) -> bool:
    """Whether the city's OCDS publisher and data-spec queue have read its whole outbox (else
    a release or a record is still to come, and equal counts would mean nothing yet)."""
    last = count(city, select(func.coalesce(func.max(outbox.c.seq), 0)))
    with city.read_session() as session:
        positions = dict(
            session.execute(
                select(outbox_cursors.c.consumer, outbox_cursors.c.position).where(
                    outbox_cursors.c.consumer.in_([PUBLISHER, QUEUE])
                )
            ).all()
        )
    return positions.get(PUBLISHER) == last and positions.get(QUEUE) == last


def converged(province: Services, cities: list[City]) -> bool:
    for city in cities:
        own = city.services
        if not outbox_read(own) or pending(own) or not releases_of(own):
            return False
        code = city.instance.code
        queued = count(own, select(func.count()).select_from(dataspec_push_queue))
        if pushed_to(province, code) != queued or pulled_from(province, code) != releases_of(own):
            return False
    return True


def test_two_cities_and_their_province_lose_and_double_nothing_through_kills(
    centres: tuple[Instance, list[City], list[SlowRelay]],
) -> None:
    started = time.monotonic()
    province, cities, relays = centres
    city_a, city_b = cities
    watch = _services(province)
    try:
        # Round 1, and city A's worker killed once the province has some of A's records.
        for city in cities:
            city.publish_tenders(3)
        code_a = city_a.instance.code
        wait_for("a first push from city A", lambda: pushed_to(watch, code_a) > 0)
        left_a = pending(city_a.services)
        city_a.instance.kill("worker")
        city_a.publish_tenders(2)  # published while its worker is down
        city_a.instance.start_worker()

        # Round 2, and the province's server killed while the cities push.
        before = total_pushed_to(watch, cities)
        for city in cities:
            city.publish_tenders(3)
        wait_for("pushes of round 2", lambda: total_pushed_to(watch, cities) > before)
        province.kill("server")
        for city in cities:
            city.publish_tenders(1)
        province.start_server()
        province.wait_server()

        # The province's worker killed while it pulls city B's pages.
        code_b = city_b.instance.code
        city_b.publish_tenders(4)

        def mid_pull() -> bool:
            pulled = pulled_from(watch, code_b)
            return 0 < pulled < releases_of(city_b.services) and relays[1].in_flight > 0

        wait_for("the province mid-way through city B's pages, a page in flight", mid_pull)
        pulled_b = pulled_from(watch, code_b)
        published_b = releases_of(city_b.services)
        province.kill("worker")
        province.start_worker()

        # City B's server killed while the province pulls from it.
        city_b.publish_tenders(2)
        city_b.instance.kill("server")
        time.sleep(1.0)  # the province's pulls fail meanwhile and back off
        city_b.instance.start_server()
        city_b.instance.wait_server()
        for city in cities:
            city.publish_tenders(1)
        waited = wait_for("the province to hold everything",
                          lambda: converged(watch, cities), DEADLINE)  # fmt: skip

        total_pushed, total_pulled = 0, 0
        for city in cities:
            code = city.instance.code
            own = city_state(city.services)
            theirs = province_state(watch, code)
            assert set(own["outcomes"]) <= {"accepted", "duplicate"}, own["outcomes"]
            assert theirs["datasets"] == own["datasets"], code  # per dataset, equal
            assert theirs["keys"] == own["keys"], code  # the same records, none twice
            assert theirs["release_rows"] == len(theirs["releases"]) == len(own["releases"])
            assert theirs["releases"] == own["releases"], code
            assert theirs["compiled"] == own["compiled"], code  # compiled alike
            total_pushed += sum(own["datasets"].values())
            total_pulled += len(own["releases"])
        assert sum(pushed_to(watch, c.instance.code) for c in cities) == total_pushed
        assert sum(pulled_from(watch, c.instance.code) for c in cities) == total_pulled
        assert count(watch, select(func.count()).select_from(upstream_records)) == total_pushed
        # Both cities share organisations, hence ocids: still two processes each, not merged.
        ocids_a = set(city_state(city_a.services)["compiled"])
        ocids_b = set(city_state(city_b.services)["compiled"])
        assert count(watch, select(func.count()).select_from(federated_records)) == len(
            ocids_a
        ) + len(ocids_b)

        search = httpx.get(f"{province.base}/api/v1/ocds/search", params={"limit": 1}).json()
        assert search["total"] == len(ocids_a) + len(ocids_b)
        sources = httpx.get(f"{province.base}/api/v1/ocds/sources").json()
        assert {s["code"]: s["releases"] for s in sources} == {
            c.instance.code: len(city_state(c.services)["releases"]) for c in cities
        }
        assert [i.kills for i in (province, city_a.instance, city_b.instance)] == [
            ["server", "worker"],
            ["worker"],
            ["server"],
        ]
        elapsed = time.monotonic() - started
        print(f"\nthree centres: {elapsed:.1f} s in all, {waited:.1f} s to converge; "
              f"city A had {left_a} records unsent when its worker was killed, the province "
              f"had {pulled_b} of city B's {published_b} releases when its worker was killed; "
              f"{total_pushed} records pushed, {total_pulled} releases pulled")  # fmt: skip
    finally:
        watch.close()
