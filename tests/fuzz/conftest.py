"""The fuzz profile's world: one per test module (seeding it costs seconds; the operations
only add to it), on SQLite — bench/fuzz.py runs the long profile on PostgreSQL too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prex.bootstrap import bootstrap
from prex.config import get_settings
from prex.shared.clock import FixedClock
from prex.web.app import create_app
from tests.conftest import T0
from tests.fuzz.profile import Target, build_target


@pytest.fixture(scope="module")
def fuzz_target(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, folder / "prex.db")
    settings = get_settings(
        environment="test",
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'prex.db'}",
        max_document_bytes=1024 * 1024,
        password_hashing="fast",
    )
    services = bootstrap(settings, clock=FixedClock(T0))
    try:
        yield build_target(services, create_app(services))
    finally:
        services.close()
