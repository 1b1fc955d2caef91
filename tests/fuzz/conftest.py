"""The fuzz profile's world: the demo province, seeded once per worker into a template data
directory (database and blobs) that each test module copies (the operations change the world;
a module's run does not see another's), on SQLite — bench/fuzz.py runs the long profile on
PostgreSQL too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prex.bootstrap import Services, bootstrap
from prex.config import Settings, get_settings
from prex.demo_guarantees import with_demo_guarantor
from prex.shared.clock import FixedClock
from prex.web.app import create_app
from tests.conftest import T0
from tests.fuzz.profile import Seeded, Target, build_target, seed_world


def _services(folder: Path) -> Services:
    settings: Settings = get_settings(
        environment="test",
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'prex.db'}",
        max_document_bytes=1024 * 1024,
        password_hashing="fast",
    )
    # The demo's electronic guarantee is verified with its guarantor's certificate.
    return bootstrap(with_demo_guarantor(settings), clock=FixedClock(T0))


@pytest.fixture(scope="session")
def fuzz_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Seeded]:
    folder = tmp_path_factory.mktemp("fuzz-world")
    shutil.copy(sqlite_template, folder / "prex.db")
    services = _services(folder)
    try:
        return folder, seed_world(services)
    finally:
        services.close()


@pytest.fixture(scope="module")
def fuzz_target(
    fuzz_world: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    template, seeded = fuzz_world
    folder = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(template, folder)
    services = _services(folder)
    try:
        yield build_target(services, create_app(services), seeded)
    finally:
        services.close()
