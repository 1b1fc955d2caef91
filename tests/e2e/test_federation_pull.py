"""A province federating a city's OCDS feed over loopback (the city served by a real uvicorn
server): every release once, records compiled like the city's own; resume from the stored
cursor after a restart; pulling twice and two pullers at once store nothing twice; a dead source
backs off without holding up the others; the province-wide search and page show both centres."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.demo import DemoSeed
from prex.exchange.federation.orm import federated_records, federated_releases
from prex.exchange.federation.pull import pull_due, pull_source
from prex.exchange.federation.sources import Source, get, remove
from prex.exchange.federation.subscribe import subscribe
from prex.exchange.releases import store
from prex.exchange.releases.orm import ocds_records
from prex.exchange.releases.publisher import publish_all
from prex.shared.clock import FixedClock
from prex.web.app import create_app
from tests.instances import instance_database
from tests.live_server import serve
from tests.pki_openssl import free_port

PROVINCE = "PREX330000"


@pytest.fixture
def city(services: Services, demo: DemoSeed) -> Iterator[str]:
    """The test's own instance, seeded with the demo and published, served on loopback."""
    publish_all(services)
    with serve(services) as base:
        yield base


def province_services(url: str, tmp: Path, clock: FixedClock) -> Services:
    settings = get_settings(environment="test", data_dir=tmp / "province", database_url=url,
                            password_hashing="fast", platform_code=PROVINCE,
                            federation_page_size=7, federation_retry_seconds=60)  # fmt: skip
    return bootstrap(settings, clock=clock)


@pytest.fixture
def province_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return instance_database(backend, "fedprov", tmp_path, request)


def state(services: Services, code: str) -> Source:
    with services.read_session() as session:
        return get(session, code)


def ids(services: Services, source: str) -> list[str]:
    with services.read_session() as session:
        return list(
            session.execute(
                select(federated_releases.c.release_id)
                .where(federated_releases.c.source == source)
                .order_by(federated_releases.c.position)
            ).scalars()
        )


def city_releases(services: Services) -> list[dict[str, Any]]:
    with services.read_session() as session:
        return list(store.iter_releases(session))


def compiled(services: Services, table: Any, **where: str) -> list[bytes]:
    query = select(table.c.compiled).order_by(table.c.ocid)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with services.read_session() as session:
        rows = session.execute(query).scalars()
        return [orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in rows]


def test_a_province_pulls_a_city_feed_resumes_after_restart_and_stores_nothing_twice(
    services: Services, city: str, province_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    code = services.settings.platform_code
    wanted = [r["id"] for r in city_releases(services)]
    assert len(wanted) > 20

    first = province_services(province_url, tmp_path, clock)
    added = subscribe(first, city)
    assert (added.code, added.kind) == (code, "prex")
    with httpx.Client(timeout=10) as client:
        partial = pull_source(first, code, client=client, max_pages=2)
    assert partial.stored == 14
    cursor = state(first, code).cursor
    assert cursor is not None and "cursor=" in cursor
    first.close()  # the "restart": a new process knows only what the database says

    second = province_services(province_url, tmp_path, clock)
    assert pull_due(second) == len(wanted) - 14
    assert ids(second, code) == wanted
    assert compiled(second, federated_records, source=code) == compiled(services, ocds_records)
    clock.advance(timedelta(minutes=5))
    assert pull_due(second) == 0  # the last page read again: nothing new
    assert ids(second, code) == wanted

    # Two pullers at once, from scratch: each page is stored once.
    remove(second, code, purge=True)
    subscribe(second, city)
    third = province_services(province_url, tmp_path, clock)
    results: list[int] = []
    threads = [threading.Thread(target=lambda s=s: results.append(pull_due(s)))
               for s in (second, third)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(results) == len(wanted)
    assert ids(second, code) == wanted
    third.close()
    second.close()


def test_a_dead_source_backs_off_and_the_others_go_on(
    services: Services, city: str, province_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    province = province_services(province_url, tmp_path, clock)
    dead = subscribe(province, f"http://127.0.0.1:{free_port()}/api/v1/ocds/releases",
                     code="DEAD01", name="离线中心")  # fmt: skip
    live = subscribe(province, city)
    stored = pull_due(province)
    assert stored == len(city_releases(services))
    failing = state(province, dead.code)
    assert failing.status == "failing" and failing.attempts == 1 and failing.last_error
    assert failing.next_pull_at >= clock.now() + timedelta(seconds=60)
    assert state(province, live.code).status == "active"
    assert pull_due(province) == 0  # neither is due: the dead one is not even tried
    assert state(province, dead.code).attempts == 1

    app = TestClient(create_app(province))
    found = app.get("/api/v1/ocds/search", params={"source": live.code, "limit": 5})
    assert found.status_code == 200, found.text
    body = found.json()
    with services.read_session() as session:
        n_records = session.execute(select(func.count()).select_from(ocds_records)).scalar_one()
    assert body["total"] == n_records and len(body["hits"]) == 5 and body["next"]
    hit = body["hits"][0]
    assert hit["source"] == live.code and hit["local"] is False
    record = app.get(hit["record"].replace("http://testserver", ""))
    assert record.status_code == 200 and record.json()["records"][0]["ocid"] == hit["ocid"]
    own = app.get("/api/v1/ocds/releases")
    assert own.json()["releases"] == []  # the province's own feed: only its own releases
    theirs = app.get("/api/v1/ocds/releases", params={"source": live.code, "limit": 3})
    assert [r["id"] for r in theirs.json()["releases"]] == ids(province, live.code)[:3]
    bad = app.get("/api/v1/ocds/search", params={"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-cursor"
    page = app.get("/federation?lang=en")
    assert page.status_code == 200 and "离线中心" in page.text and live.code in page.text
    app.close()
    province.close()
