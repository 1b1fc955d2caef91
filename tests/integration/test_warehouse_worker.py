"""The worker refreshes the warehouse when PREX_ANALYTICS_REFRESH_SECONDS have passed since it
last checked, and never when the setting is 0."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prex.analytics.warehouse.files import data_files
from prex.analytics.warehouse.refresh import warehouse_root
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
    assert run_once(services).warehoused == 0  # the first pass: organisations, no tender yet
    assert len(data_files(root, "organisations")) == 1
    published_tender(client, world, auth(services, "agency"))
    assert run_once(services).warehoused == 0  # checked a moment ago: not due (300 s)
    assert data_files(root, "tenders") == []

    disabled = _with(services.settings, clock, analytics_refresh_seconds=0)
    try:
        assert run_once(disabled).warehoused == 0
        assert data_files(root, "tenders") == []
    finally:
        disabled.close()
    often = _with(services.settings, clock, analytics_refresh_seconds=0.001)
    try:
        assert run_once(often).warehoused == 2  # due: the new tender and its OCDS process
        assert len(data_files(root, "tenders")) == 1
    finally:
        often.close()
