"""extensions: users' mobile numbers, per-channel notification deliveries, evaluation-assistant
grants

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-28 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("mobile", sa.String(length=16), nullable=True))
    op.create_table(
        "notification_deliveries",
        sa.Column("notification_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"]),
        sa.PrimaryKeyConstraint("notification_id", "channel"),
    )
    op.create_index(
        "ix_notification_deliveries_channel",
        "notification_deliveries",
        ["channel"],
        unique=False,
    )
    op.create_table(
        "evaluation_assistant_grants",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("client_id", sa.String(length=26), nullable=False),
        sa.Column("granted_by", sa.String(length=26), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=26), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_evaluation_assistant_grants_tender",
        "evaluation_assistant_grants",
        ["tender_id", "client_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_evaluation_assistant_grants_tender", table_name="evaluation_assistant_grants")
    op.drop_table("evaluation_assistant_grants")
    op.drop_index("ix_notification_deliveries_channel", table_name="notification_deliveries")
    op.drop_table("notification_deliveries")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mobile")
