"""The one SQLAlchemy metadata and mapper registry every context's tables live in."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import registry

# Named constraints, so that migrations are stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
mapper_registry = registry(metadata=metadata)
