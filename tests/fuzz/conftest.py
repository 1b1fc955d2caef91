"""The fuzz profile's world: the demo province, seeded once per run into a template data
directory (database and blobs) that each test module copies (the operations change the world;
a module's run does not see another's), on SQLite — bench/fuzz.py runs the long profile on
PostgreSQL too."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
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
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Seeded]:
    """The seeded template: made once per run — the xdist workers of a run share it (the first
    seeds while the others wait on a lock: seeding side by side only slowed both)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, record = shared / "fuzz-world", shared / "fuzz-world.json"
    with (shared / "fuzz-world.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            folder.mkdir()
            shutil.copy(request.getfixturevalue("sqlite_template"), folder / "prex.db")
            services = _services(folder)
            try:
                seeded = seed_world(services)
            finally:
                services.close()
            record.write_text(json.dumps(dataclasses.asdict(seeded), default=sorted))
    data = json.loads(record.read_text())
    data["protected"], data["machine"] = frozenset(data["protected"]), tuple(data["machine"])
    return folder, Seeded(**data)


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
