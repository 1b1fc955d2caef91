"""Alembic environment: the URL comes from the Config (set by ``prex db``), never from a file."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator

from prex.db.all_tables import metadata
from prex.db.engine import make_null_pool_engine

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> Any:
    """Render prex's TypeDecorators as their plain implementation type."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl if not isinstance(obj.impl, type) else obj.impl()
        autogen_context.imports.add("import sqlalchemy as sa")
        return f"sa.{impl!r}"
    return False


def compare_type(
    context_: Any, inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    if isinstance(metadata_type, TypeDecorator):
        metadata_type = (
            metadata_type.impl if not isinstance(metadata_type.impl, type) else metadata_type.impl()
        )
        differs = context_.impl.compare_type(inspected, metadata_column.copy(type_=metadata_type))
        return bool(differs)
    return None


# Kept by migration 0002 outside the models: the pg_trgm index and SQLite's FTS5 tables.
SEARCH_OBJECTS = ("ix_tenders_search_trgm", "tenders_fts")


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    return not (name or "").startswith(SEARCH_OBJECTS)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_null_pool_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
