"""Cross-cosigning: receipts awaiting a proof of inclusion in their node's log, and the
coordinator's witness state per member.

Revision ID: 20261125_0002
Revises: 60b65386b93d
Create Date: 2026-11-25 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_0002"
down_revision: str | None = "60b65386b93d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_receipt_proof",
        sa.Column("member_id", sa.String(length=200), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("reservation_id", sa.String(length=36), nullable=False),
        sa.Column("received_at_ms", sa.BigInteger(), nullable=False),
        sa.Column("proven_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "leaf_index", name=op.f("pk_pool_receipt_proof")),
    )
    op.create_index(
        "ix_pool_receipt_proof_open",
        "pool_receipt_proof",
        ["member_id", "proven_at_ms"],
        unique=False,
    )

    op.create_table(
        "pool_node_witness",
        sa.Column("member_id", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.Column("cosigned_size", sa.BigInteger(), nullable=False),
        sa.Column("cosigned_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("refused_at_ms", sa.BigInteger(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=False),
        sa.Column("refused_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_pool_node_witness")),
    )


def downgrade() -> None:
    op.drop_table("pool_node_witness")
    op.drop_index("ix_pool_receipt_proof_open", table_name="pool_receipt_proof")
    op.drop_table("pool_receipt_proof")
