"""guarantees: electronic bid guarantees from request to release or claim

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guarantees",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("section_id", sa.String(length=26), nullable=False),
        sa.Column("applicant_org_id", sa.String(length=26), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("guarantor_org_id", sa.String(length=26), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("application", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("cap", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=26), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("guarantor_uscc", sa.String(length=18), nullable=True),
        sa.Column("guarantor_name", sa.Text(), nullable=True),
        sa.Column("guarantee_number", sa.String(length=100), nullable=True),
        sa.Column("bond_id", sa.String(length=26), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_kind", sa.String(length=8), nullable=True),
        sa.Column("outcome_reason", sa.String(length=40), nullable=True),
        sa.Column("notice", sa.LargeBinary(), nullable=True),
        sa.Column("notice_signature", sa.LargeBinary(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["applicant_org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["guarantor_org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_guarantees_tender", "guarantees", ["tender_id", "section_id"])
    op.create_index("ix_guarantees_guarantor", "guarantees", ["guarantor_org_id", "status"])
    op.create_index("ix_guarantees_status", "guarantees", ["status"])
    op.create_index(
        "uq_guarantees_number", "guarantees", ["guarantor_uscc", "guarantee_number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_guarantees_number", table_name="guarantees")
    op.drop_index("ix_guarantees_status", table_name="guarantees")
    op.drop_index("ix_guarantees_guarantor", table_name="guarantees")
    op.drop_index("ix_guarantees_tender", table_name="guarantees")
    op.drop_table("guarantees")
