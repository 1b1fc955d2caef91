"""Running Alembic from code: ``prex db upgrade`` and ``prex db check`` use these."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from prex.db.engine import normalise_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "prex.db:migrations")
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations differ (after upgrading the database)."""
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.check(config)
