"""Run ledger: ``batch_sequence`` (the version order of batches), created if absent.

Revision ID: 0004_batch_sequence
Revises: 0003_dp_budget
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_batch_sequence"
down_revision = "0003_dp_budget"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "batch_sequence" not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table(
            "batch_sequence",
            sa.Column("batch_id", sa.String(64), primary_key=True),
            sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
            sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    op.drop_table("batch_sequence")
