"""Contribution history: every change of a member's pool share, for fairness over a period.

Revision ID: 20261204_0003
Revises: 20261125_0002
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_0003"
down_revision: str | None = "20261125_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_contribution",
        sa.Column("contribution_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.String(length=200), nullable=False),
        sa.Column("part_number", sa.String(length=200), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("contributed_quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "contributed_quantity >= 0",
            name=op.f("ck_pool_contribution_contributed_not_negative"),
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_pool_contribution")),
    )
    op.create_index(
        "ix_pool_contribution_member_part_at",
        "pool_contribution",
        ["member_id", "part_number", "at_ms"],
        unique=False,
    )
    # The cells already known are where each history starts.
    op.execute(
        "INSERT INTO pool_contribution (member_id, part_number, at_ms, contributed_quantity) "
        "SELECT member_id, part_number, updated_at_ms, contributed_quantity FROM pool_cell"
    )


def downgrade() -> None:
    op.drop_index("ix_pool_contribution_member_part_at", table_name="pool_contribution")
    op.drop_table("pool_contribution")
