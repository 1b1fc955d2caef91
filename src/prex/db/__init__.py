"""Persistence: metadata, engines, the unit of work, Alembic migrations."""
