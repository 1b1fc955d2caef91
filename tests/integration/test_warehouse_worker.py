"""The worker keeps a warehouse made by `prex analytics refresh` up to date: it refreshes when
PREX_ANALYTICS_REFRESH_SECONDS have passed since its last refresh, never makes the first (full)
refresh itself, does nothing when the setting is 0, and defers a pass while a scan reads."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prex.analytics.warehouse.files import data_files
from prex.analytics.warehouse.refresh import refresh_warehouse
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.snapshot import warehouse_snapshot
from prex.analytics.warehouse.store import warehouse_root
from prex.bootstrap import Services, bootstrap
from prex.config import Settings
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.factories import World, auth, published_tender


def _with(settings: Settings, clock: FixedClock, **changes: object) -> Services:
    return bootstrap(settings.model_copy(update=changes), clock=clock)


def test_the_worker_refreshes_when_due_and_not_when_disabled(
    services: Services, world: World, client: TestClient, clock: FixedClock
) -> None:
    root = warehouse_root(services.settings)
    assert run_once(services).warehoused == 0  # no warehouse yet: not the worker's to make
    assert not root.exists()
    assert refresh_warehouse(services).full  # the operator makes it once
    published_tender(client, world, auth(services, "agency"))
    assert run_once(services).warehoused == 2  # due: the tender and its OCDS process
    assert len(data_files(root, "tenders")) == 1
    published_tender(client, world, auth(services, "agency"))
    assert run_once(services).warehoused == 0  # refreshed a moment ago: not due (300 s)
    assert len(data_files(root, "tenders")) == 1

    disabled = _with(services.settings, clock, analytics_refresh_seconds=0)
    try:
        assert run_once(disabled).warehoused == 0
        assert len(data_files(root, "tenders")) == 1
    finally:
        disabled.close()
    often = _with(services.settings, clock, analytics_refresh_seconds=0.001)
    try:
        assert run_once(often).warehoused == 2  # due: the second tender and its process
        assert len(data_files(root, "tenders")) == 2
        assert run_once(often).warehoused == 0  # due, but nothing changed: nothing written
        assert len(data_files(root, "tenders")) == 2
        published_tender(client, world, auth(services, "agency"))
        with warehouse_snapshot(root, all_keys()):  # a scan is reading: the worker moves on
            assert run_once(often).warehoused == 0
        assert len(data_files(root, "tenders")) == 2
        assert run_once(often).warehoused == 2  # the next pass after the scan
        assert len(data_files(root, "tenders")) == 3
    finally:
        often.close()
