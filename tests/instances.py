"""Databases for extra prex instances in one test (a province, cities): SQLite files copied
from the migrated template, or PostgreSQL databases of their own whose names derive from
``PREX_TEST_DB_PREFIX`` and the xdist worker, so that parallel runs never share one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from prex.db.engine import normalise_url
from prex.db.migrate import upgrade


def pg_name(role: str) -> str:
    prefix = os.environ.get("PREX_TEST_DB_PREFIX", "prex_test")
    return f"{prefix}_{role}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}".lower()


def instance_database(backend: str, role: str, tmp: Path, request: pytest.FixtureRequest) -> str:
    """A freshly migrated, empty database for the instance ``role``; dropped at the end of the
    test (PostgreSQL)."""
    if backend == "sqlite":
        target = tmp / role / "prex.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    base = make_url(normalise_url(os.environ["PREX_TEST_DATABASE_URL"]))
    name = pg_name(role)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return url
