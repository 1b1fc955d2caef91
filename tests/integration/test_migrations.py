"""Migrations and models agree (alembic check), on every backend."""

from __future__ import annotations

from prex.db.migrate import check


def test_models_and_migrations_match(database_url: str) -> None:
    check(database_url)
