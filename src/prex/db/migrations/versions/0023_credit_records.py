"""credit: credit records (violations, blacklists, rewards, performance)

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-28 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_records",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=26), nullable=False),
        sa.Column("subject_code", sa.String(length=18), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("centre_id", sa.String(length=26), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_value", sa.String(length=64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=26), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    op.create_index(
        "ix_credit_records_public", "credit_records", ["status", "published_at"], unique=False
    )
    op.create_index(
        "ix_credit_records_subject",
        "credit_records",
        ["subject_kind", "subject_id", "kind"],
        unique=False,
    )
    op.create_index(
        "uq_credit_records_source",
        "credit_records",
        ["source", "source_id", "subject_kind", "subject_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_credit_records_source", table_name="credit_records")
    op.drop_index("ix_credit_records_subject", table_name="credit_records")
    op.drop_index("ix_credit_records_public", table_name="credit_records")
    op.drop_table("credit_records")
