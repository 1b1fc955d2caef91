"""archive: the electronic archives (电子档案) of ended transactions

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archives",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("deal_code", sa.String(length=33), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("centre_id", sa.String(length=26), nullable=False),
        sa.Column("tenderer_org_id", sa.String(length=26), nullable=False),
        sa.Column("agency_org_id", sa.String(length=26), nullable=True),
        sa.Column("ending", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archives")),
    )
    op.create_index("ix_archives_centre", "archives", ["centre_id", "built_at"], unique=False)
    op.create_index("ix_archives_tender", "archives", ["tender_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_archives_tender", table_name="archives")
    op.drop_index("ix_archives_centre", table_name="archives")
    op.drop_table("archives")
