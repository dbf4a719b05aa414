"""DP ε-ledger (``dp_budgets``, ``dp_spends`` of ``pipelines/dp/budget.py``): created if absent.

``EpsilonLedger`` may have created them already (``metadata.create_all``); they are then kept as they are.

Revision ID: 0003_dp_budget
Revises: 0002_governance
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_dp_budget"
down_revision = "0002_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "dp_budgets" not in existing:
        op.create_table(
            "dp_budgets",
            sa.Column("consumer", sa.String(128), primary_key=True),
            sa.Column("total_epsilon", sa.Float, nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )
    if "dp_spends" not in existing:
        op.create_table(
            "dp_spends",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("consumer", sa.String(128), sa.ForeignKey("dp_budgets.consumer"), nullable=False, index=True),
            sa.Column("release_id", sa.String(256), nullable=False),
            sa.Column("epsilon", sa.Float, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("details", sa.Text, nullable=False, server_default="{}"),
            sa.Column("spent_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("dp_spends")
    op.drop_table("dp_budgets")
