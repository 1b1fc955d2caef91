"""Engines for SQLite (the embedded default) and PostgreSQL (psycopg 3).

SQLite gets WAL, foreign keys and a busy timeout. Writers take the database lock at ``BEGIN``
(``BEGIN IMMEDIATE``) so that two writers never deadlock upgrading a read lock, while readers
use a second engine with ordinary deferred transactions and proceed concurrently under WAL.
On PostgreSQL both engines are the same pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@dataclass(frozen=True)
class Engines:
    writer: Engine
    reader: Engine

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and pick psycopg 3 as the driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below be the only transaction control.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engines(url: str, *, pool_size: int = 10) -> Engines:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        if ":memory:" in url or make_url(url).database in (None, ""):
            raise ValueError("prex needs a SQLite file (WAL is shared between connections)")
        return Engines(
            writer=_sqlite_engine(url, immediate=True, pool_size=pool_size),
            reader=_sqlite_engine(url, immediate=False, pool_size=pool_size),
        )
    writer = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    # Readers get their own pool in autocommit: no BEGIN/ROLLBACK round trips around a
    # one-statement read (each statement still sees one consistent snapshot), and no pre-ping
    # (a connection broken by a database restart fails one read, is invalidated, and the pool
    # reconnects on the next).
    reader = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, isolation_level="AUTOCOMMIT"
    )
    return Engines(writer=writer, reader=reader)


def make_null_pool_engine(url: str) -> Engine:
    """An engine that keeps no connections, for one-off commands and migrations."""
    return create_engine(normalise_url(url), poolclass=NullPool)
