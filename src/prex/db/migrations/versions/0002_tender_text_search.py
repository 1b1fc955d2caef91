"""tender text search: pg_trgm GIN index (PostgreSQL), FTS5 trigram table (SQLite)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_tenders_search_trgm ON tenders USING gin (search_text gin_trgm_ops)"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE tenders_fts USING fts5(id UNINDEXED, search_text, tokenize='trigram')"
    )
    op.execute("INSERT INTO tenders_fts (id, search_text) SELECT id, search_text FROM tenders")
    op.execute(
        "CREATE TRIGGER tenders_fts_insert AFTER INSERT ON tenders BEGIN "
        "INSERT INTO tenders_fts (id, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER tenders_fts_update AFTER UPDATE OF search_text ON tenders BEGIN "
        "UPDATE tenders_fts SET search_text = new.search_text WHERE id = new.id; END"
    )
    op.execute(
        "CREATE TRIGGER tenders_fts_delete AFTER DELETE ON tenders BEGIN "
        "DELETE FROM tenders_fts WHERE id = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tenders_search_trgm")
        return
    for trigger in ("tenders_fts_insert", "tenders_fts_update", "tenders_fts_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS tenders_fts")
