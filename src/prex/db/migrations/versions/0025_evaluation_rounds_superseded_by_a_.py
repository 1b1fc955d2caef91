"""evaluation rounds superseded by a complaint decision (重新评审)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-28 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_rounds",
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("committee_round", sa.Integer(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=True),
        sa.Column("sheets", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("report_sha256", sa.String(length=64), nullable=True),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.Column("refusals", sa.JSON(), nullable=False),
        sa.Column("objections", sa.JSON(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("complaint_id", sa.String(length=26), nullable=True),
        sa.Column("decision_sha256", sa.String(length=64), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"]),
        sa.PrimaryKeyConstraint("tender_id", "round"),
    )


def downgrade() -> None:
    op.drop_table("evaluation_rounds")
