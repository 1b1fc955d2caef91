"""bidding: resumable uploads, bid bonds

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bid_uploads",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("org_id", sa.String(length=26), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_bid_uploads_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_bid_uploads_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_bid_uploads_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_uploads")),
    )
    with op.batch_alter_table("bid_uploads", schema=None) as batch_op:
        batch_op.create_index("ix_bid_uploads_expires", ["expires_at"], unique=False)
        batch_op.create_index("uq_bid_uploads_key", ["org_id", "idempotency_key"], unique=True)

    op.create_table(
        "bid_bonds",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tender_id", sa.String(length=26), nullable=False),
        sa.Column("section_id", sa.String(length=26), nullable=False),
        sa.Column("bidder_org_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payer_account_name", sa.Text(), nullable=True),
        sa.Column("payer_account_number", sa.String(length=40), nullable=True),
        sa.Column("payer_bank", sa.Text(), nullable=True),
        sa.Column("guarantor", sa.Text(), nullable=True),
        sa.Column("guarantee_number", sa.String(length=100), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=26), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_org_id"],
            ["organisations.id"],
            name=op.f("fk_bid_bonds_bidder_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_bid_bonds_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tenders.id"], name=op.f("fk_bid_bonds_tender_id_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_bonds")),
    )
    with op.batch_alter_table("bid_bonds", schema=None) as batch_op:
        batch_op.create_index("ix_bid_bonds_payer_account", ["payer_account_number"], unique=False)
        batch_op.create_index(
            "uq_bid_bonds_bidder", ["tender_id", "section_id", "bidder_org_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("bid_bonds", schema=None) as batch_op:
        batch_op.drop_index("uq_bid_bonds_bidder")
        batch_op.drop_index("ix_bid_bonds_payer_account")
    op.drop_table("bid_bonds")
    with op.batch_alter_table("bid_uploads", schema=None) as batch_op:
        batch_op.drop_index("uq_bid_uploads_key")
        batch_op.drop_index("ix_bid_uploads_expires")
    op.drop_table("bid_uploads")
