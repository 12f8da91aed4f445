"""The audit log's tables, on their own MetaData so a node can add them to its Alembic migration.

`target_metadata = [node_metadata, audit.schema.metadata]` in the node's `env.py` (or copying
these `Table`s into a revision) is all it takes; names follow the project's constraint naming
convention and every table is prefixed `audit_`.
"""

from __future__ import annotations

import sqlalchemy as sa

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# One row per log: its head. Appenders lock this row (SELECT ... FOR UPDATE), so two writers
# can never both extend the same tree size; `frontier` is the compact range of [0, size).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("log_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("origin", sa.String(255), nullable=False, unique=True),
    sa.Column("log_public_key", sa.LargeBinary(32), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("size >= 0", name="size_not_negative"),
)

audit_member_key = sa.Table(
    "audit_member_key",
    metadata,
    sa.Column("log_id", sa.ForeignKey("audit_log.log_id"), primary_key=True),
    sa.Column("member_id", sa.String(200), primary_key=True),
    sa.Column("public_key", sa.LargeBinary(32), nullable=False),
)

audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("log_id", sa.ForeignKey("audit_log.log_id"), primary_key=True),
    sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("statement", sa.LargeBinary, nullable=False),
    sa.Column("signature", sa.LargeBinary(64), nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_audit_entry_leaf_hash", "log_id", "leaf_hash"),
)

# Perfect subtrees of level >= 1 (level 0 is audit_entry.leaf_hash): written once, when the
# subtree completes, and never changed. Proofs read O(log n) of them.
audit_tree_node = sa.Table(
    "audit_tree_node",
    metadata,
    sa.Column("log_id", sa.ForeignKey("audit_log.log_id"), primary_key=True),
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

audit_checkpoint = sa.Table(
    "audit_checkpoint",
    metadata,
    sa.Column("log_id", sa.ForeignKey("audit_log.log_id"), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),  # the signed note, with any cosignatures
    sa.Column("signed_at_ms", sa.BigInteger, nullable=False),
)

audit_cosignature = sa.Table(
    "audit_cosignature",
    metadata,
    sa.Column("log_id", sa.ForeignKey("audit_log.log_id"), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("witness_name", sa.String(255), primary_key=True),
    sa.Column("witness_public_key", sa.LargeBinary(32), nullable=False),
    sa.Column("signature_line", sa.Text, nullable=False),
    sa.Column("cosigned_at", sa.BigInteger, nullable=False),  # POSIX seconds, as signed
)

# A witness's memory: the largest checkpoint it cosigned for each log it watches.
audit_witness_state = sa.Table(
    "audit_witness_state",
    metadata,
    sa.Column("witness_name", sa.String(255), primary_key=True),
    sa.Column("origin", sa.String(255), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
)
