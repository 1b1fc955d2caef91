"""Fixtures shared by every tier.

Integration and end-to-end tests run against a real database: SQLite always, and PostgreSQL
as well when ``PREX_TEST_DATABASE_URL`` is set (CI sets it). The ``backend`` fixture is
parametrised over what is available, so a test that asks for ``services`` runs once per backend.

Each test gets a clean database: SQLite copies a file migrated once per session; PostgreSQL
empties every table of a per-worker database migrated once per session. A test that asks for
``demo`` gets the demo province instead, copied from one seeded once per worker and backend.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from prex.bootstrap import Services, bootstrap
from prex.config import Settings, get_settings
from prex.db.all_tables import metadata
from prex.db.engine import normalise_url
from prex.db.migrate import upgrade
from prex.demo import DemoSeed, seed_demo
from prex.demo import _actor as demo_actor
from prex.pki.demo import DemoPki
from prex.shared.clock import FixedClock
from prex.web.app import create_app
from prex.web.ratelimits import EXPENSIVE
from tests.factories import World, make_world
from tests.pki_openssl import PkiWorld, build_pki, free_port, serve_directory

REPO_ROOT = Path(__file__).resolve().parents[1]
# The Python SDK (its own distribution, clients/python) is tested from this checkout, first on
# the path, whether or not `pip install -e clients/python` (make test) also installed it.
sys.path.insert(0, str(REPO_ROOT / "clients" / "python"))
PG_URL = os.environ.get("PREX_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# A Monday morning in Beijing (01:00 UTC), far from any holiday in the bundled calendar.
UNLIMITED = {name: "1000000/1000000" for name in EXPENSIVE}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "prex.db"
    upgrade(f"sqlite:///{path}")
    return path


@contextlib.contextmanager
def migrated_pg_database(label: str) -> Iterator[str]:
    """A PostgreSQL database of this xdist worker's own for ``label`` (the main instance, or
    another one in a multi-instance test), migrated once and dropped afterwards. Its name starts
    with ``PREX_TEST_DB_PREFIX`` so that two checkouts can share one server."""
    assert PG_URL is not None
    base = make_url(normalise_url(PG_URL))
    prefix = os.environ.get("PREX_TEST_DB_PREFIX", "prex_test")
    name = f"{prefix}_{label}{'_' if label else ''}{_worker()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of this xdist worker's own, migrated once."""
    with migrated_pg_database("") as url:
        yield url


def fresh_database_url(
    backend: str, folder: Path, request: pytest.FixtureRequest, pg_fixture: str = "pg_database"
) -> str:
    """An empty, migrated database for one test: a copy of the SQLite template in ``folder``,
    or the worker's PostgreSQL database named by ``pg_fixture``, emptied."""
    if backend == "sqlite":
        target = folder / "prex.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = str(request.getfixturevalue(pg_fixture))
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE … RESTART IDENTITY`` would,
    but by ``DELETE``: a test leaves a few rows in a few of the hundred tables, and deleting
    them takes milliseconds where truncating every table (a new file for each table and index)
    takes seconds, once per PostgreSQL test. Foreign keys are not checked while the tables are
    emptied (``session_replication_role = replica``: every table is emptied, so none dangles)."""
    engine = create_engine(url)
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        # A test that leaves a transaction open must fail the next test, not hang the suite.
        conn.execute(text("SET LOCAL lock_timeout = '20s'"))
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.exec_driver_sql(deletes)
        conn.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )
        conn.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if "demo" in request.fixturenames:
        return _seeded_database_url(backend, tmp_path / "data", request)
    return fresh_database_url(backend, tmp_path / "data", request)


@dataclass(frozen=True)
class DemoTemplate:
    """The demo province seeded once per worker and backend (``prex.demo.seed_demo``): its data
    directory, its database (the SQLite file inside that directory, or a PostgreSQL database
    that per-test copies are created from), what the seed returned and where its clock stopped."""

    data_dir: Path
    pg_template: str | None
    seed: DemoSeed
    now: datetime


def _test_settings(data_dir: Path, database_url: str) -> Settings:
    return get_settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        max_document_bytes=1024 * 1024,
        password_hashing="fast",
        # Out of the way of tests that page or poll; tests/e2e/test_rate_limits.py puts the
        # table's own budgets back.
        rate_limits=UNLIMITED,
    )


def _seed_template(data_dir: Path, database_url: str, pg_template: str | None) -> DemoTemplate:
    services = bootstrap(_test_settings(data_dir, database_url), clock=FixedClock(T0))
    try:
        seed = seed_demo(services, now=T0)
        now = services.clock.now()
    finally:
        services.close()
    return DemoTemplate(data_dir, pg_template, seed, now)


@pytest.fixture(scope="session")
def demo_template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    data_dir.mkdir()
    upgrade(f"sqlite:///{data_dir / 'prex.db'}")
    return _seed_template(data_dir, f"sqlite:///{data_dir / 'prex.db'}", None)


@pytest.fixture(scope="session")
def demo_template_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplate]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    data_dir.mkdir()
    with migrated_pg_database("demotpl") as url:
        name = make_url(url).database
        assert name is not None
        yield _seed_template(data_dir, url, name)
        _drop_pg_database(_pg_copy_name("demo"))


def _pg_copy_name(label: str) -> str:
    prefix = os.environ.get("PREX_TEST_DB_PREFIX", "prex_test")
    return f"{prefix}_{label}_{_worker()}"


def _drop_pg_database(name: str) -> None:
    assert PG_URL is not None
    admin = create_engine(make_url(normalise_url(PG_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _seeded_database_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A copy of the worker's seeded demo for one test: its data directory (blobs, keys,
    demo-pki and, on SQLite, the database file) copied into ``folder``, and on PostgreSQL a
    database created from the seeded one as a template."""
    template: DemoTemplate = request.getfixturevalue(f"demo_template_{backend}")
    shutil.copytree(template.data_dir, folder, dirs_exist_ok=True)
    if template.pg_template is None:
        return f"sqlite:///{folder / 'prex.db'}"
    assert PG_URL is not None
    base = make_url(normalise_url(PG_URL))
    name = _pg_copy_name("demo")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.pg_template}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def demo(services: Services, backend: str, request: pytest.FixtureRequest) -> DemoSeed:
    """The demo province, as ``seed_demo(services, now=T0)`` leaves it, in this test's own
    database: a copy of one seeded per worker and backend (seeding takes most of a minute).
    ``services`` (and ``client``) work on the copy, their clock where the seed left it."""
    template: DemoTemplate = request.getfixturevalue(f"demo_template_{backend}")
    clock = services.clock
    assert isinstance(clock, FixedClock)
    clock.set(template.now)
    return _rebased(template, services)


def _rebased(template: DemoTemplate, services: Services) -> DemoSeed:
    """The template's seed, its paths moved to ``services``' data directory and its award cast
    acting through ``services``; the template's own seed is left as it is."""
    old, new = template.data_dir, services.settings.data_dir
    seed = copy.copy(template.seed)
    for name in ("centre_ids", "org_ids", "user_ids", "tenders", "experts", "awards"):
        setattr(seed, name, dict(getattr(seed, name)))
    for name in ("listings", "credit", "signed_in"):
        setattr(seed, name, dict(getattr(seed, name)))
    if seed.pki is not None:
        seed.pki = DemoPki(
            new / seed.pki.directory.relative_to(old),
            dict(seed.pki.cas),
            {k: new / p.relative_to(old) for k, p in seed.pki.files.items()},
        )
    if seed.cast is not None:
        assert seed.pki is not None and isinstance(services.clock, FixedClock)
        seed.cast = dataclasses.replace(
            seed.cast,
            services=services,
            clock=services.clock,
            pki=seed.pki,
            actor=lambda username: demo_actor(services, seed, username),
            accounts=dict(seed.cast.accounts),
            rooms=dict(seed.cast.rooms),
        )
    return seed


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return _test_settings(tmp_path / "data", database_url)


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    svc = bootstrap(settings, clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def world(services: Services) -> World:
    """A province and a city with one organisation and user per role (see factories)."""
    return make_world(services)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    """The real ASGI app over the real database."""
    with TestClient(create_app(services), base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def pki_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PkiWorld]:
    """CA hierarchies issued by the openssl CLI, their CRLs served over loopback HTTP for the
    whole session; the OCSP port is reserved (tests start `openssl ocsp` when they need it)."""
    crl_port = ocsp_port = free_port()
    while ocsp_port == crl_port:
        ocsp_port = free_port()
    world = build_pki(
        tmp_path_factory.mktemp("pki"),
        f"http://127.0.0.1:{crl_port}",
        f"http://127.0.0.1:{ocsp_port}",
    )
    with serve_directory(world.base / "crl", crl_port):
        yield world


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that configures logging (``prex serve``'s set-up, ``configure_logging``) leaves
    the root logger as it found it: otherwise later in-process commands on the same worker log
    INFO lines into their captured output."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
