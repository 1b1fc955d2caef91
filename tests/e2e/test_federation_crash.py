"""The province's puller killed for real (SIGKILL) in the middle of storing a city's feed: once
mid-page (releases inserted, their records not compiled), once after a page was stored but
before the source's cursor moved. Restarted, it stores every release exactly once, each record
compiled from all of its releases, and both centres' audit chains and blobs check.

The province's worker runs in a process of its own (tests/crash_harness.py) over the province's
database; the city is the test's own instance, served by a real uvicorn server on loopback."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.exchange.federation.orm import federated_records, federated_releases
from prex.exchange.federation.sources import get
from prex.exchange.federation.subscribe import subscribe
from prex.exchange.releases import store
from prex.exchange.releases.publisher import publish_all
from prex.shared.clock import FixedClock
from tests.conftest import fresh_database_url
from tests.crash_harness import Outcome, audit_verifies, blobs_intact, crash_run
from tests.e2e import dataspec_world
from tests.factories import World, auth, published_tender
from tests.live_server import serve

pg_province = dataspec_world.pg_province
PROVINCE = "PREX330000"
PAGE = 1


def pull(province: Services, failpoints: str | None) -> Outcome:
    """A worker pass of the province (which pulls its due sources) in a process of its own."""
    overrides = {"platform_code": PROVINCE, "federation_page_size": PAGE}
    return crash_run(province.settings, province.clock.now(), failpoints=failpoints,
                     worker=True, overrides=overrides)  # fmt: skip


def stored_ids(province: Services, code: str) -> list[str]:
    with province.read_session() as session:
        return list(
            session.execute(
                select(federated_releases.c.release_id)
                .where(federated_releases.c.source == code)
                .order_by(federated_releases.c.position)
            ).scalars()
        )


def assert_whole(province: Services, code: str) -> None:
    """Nothing half-applied: every stored release's record is compiled from exactly the stored
    releases of its ocid, no record without a release, and the source's counts are its rows."""
    with province.read_session() as session:
        per_ocid = Counter(
            session.execute(
                select(federated_releases.c.ocid).where(federated_releases.c.source == code)
            ).scalars()
        )
        records = {
            r.ocid: r.release_count
            for r in session.execute(
                select(federated_records.c.ocid, federated_records.c.release_count).where(
                    federated_records.c.source == code
                )
            )
        }
        source = get(session, code)
    assert records == dict(per_ocid)
    assert source.releases == sum(per_ocid.values()) and source.records == len(records)


def test_a_puller_killed_mid_page_and_before_its_cursor_loses_and_doubles_nothing(
    client: TestClient,
    world: World,
    services: Services,
    backend: str,
    tmp_path: Path,
    clock: FixedClock,
    request: pytest.FixtureRequest,
) -> None:
    headers = auth(services, "agency")
    for _ in range(3):
        published_tender(client, world, headers)
    publish_all(services)
    with services.read_session() as session:
        wanted = [r["id"] for r in store.iter_releases(session)]
    assert len(wanted) > 2 * PAGE  # at least three pages

    url = fresh_database_url(backend, tmp_path / "province", request, "pg_province")
    settings = get_settings(environment="test", data_dir=tmp_path / "province", database_url=url,
                            password_hashing="fast", platform_code=PROVINCE,
                            federation_page_size=PAGE)  # fmt: skip
    province = bootstrap(settings, clock=clock)
    try:
        with serve(services) as city:
            code = subscribe(province, city).code

            # The second page's transaction dies after its releases and records are written,
            # before the cursor moves: the first page is in, the second is not, at all.
            assert pull(province, "federation.after_page_stored@2").killed
            assert stored_ids(province, code) == wanted[:PAGE]
            with province.read_session() as session:
                cursor = get(session, code).cursor
            assert cursor is not None and cursor != f"{city}/api/v1/ocds/releases?limit={PAGE}"
            assert_whole(province, code)
            audit_verifies(province.settings)
            blobs_intact(province.settings)

            # Killed again on the same page, mid-way: its releases inserted, no record compiled.
            assert pull(province, "federation.mid_page").killed
            assert stored_ids(province, code) == wanted[:PAGE]
            with province.read_session() as session:
                assert get(session, code).cursor == cursor  # resumes where the commit left it
            assert_whole(province, code)

            done = pull(province, None)
            assert done.returncode == 0, done.output
            assert stored_ids(province, code) == wanted  # each once, in the city's order
            assert_whole(province, code)
    finally:
        province.close()
    audit_verifies(province.settings)
    blobs_intact(province.settings)
    audit_verifies(services.settings)
    blobs_intact(services.settings)
