"""The node's audit log: audit.schema's tables and where each reservation receipt sits.

Revision ID: 20261202_0002
Revises: 20261125_0001
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from audit.schema import metadata as audit_metadata

revision: str = "20261202_0002"
down_revision: str | None = "20261125_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The audit tables are the audit package's own definition (one place for their shape);
    # created as they are at this revision.
    audit_metadata.create_all(op.get_bind(), checkfirst=True)
    op.create_table(
        "reservation_receipt",
        sa.Column("reservation_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "reservation_id", "event_type", name=op.f("pk_reservation_receipt")
        ),
    )


def downgrade() -> None:
    op.drop_table("reservation_receipt")
    audit_metadata.drop_all(op.get_bind(), checkfirst=True)
