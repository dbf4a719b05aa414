"""Run ledger (``ledger_entries``, ``watermarks``): created if absent.

Databases made before the migrations existed (``metadata.create_all`` of ``pipelines.ledger``) already
hold both tables; they are kept as they are and only stamped.

Revision ID: 0001_run_ledger
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_run_ledger"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "ledger_entries" not in existing:
        op.create_table(
            "ledger_entries",
            sa.Column("batch_id", sa.String(64), primary_key=True),
            sa.Column("stage", sa.String(32), primary_key=True),
            sa.Column("table_name", sa.String(32), primary_key=True),
            sa.Column("received", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("passed", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("quarantined", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("rejected", sa.BigInteger, nullable=False, server_default="0"),
            sa.Column("details", sa.Text, nullable=False, server_default="{}"),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        )
    if "watermarks" not in existing:
        op.create_table(
            "watermarks",
            sa.Column("source", sa.String(512), primary_key=True),
            sa.Column("value", sa.String(64), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    op.drop_table("watermarks")
    op.drop_table("ledger_entries")
