"""A process that owns its audit log (the coordinator, a tool): commits each append itself,
so a returned receipt always names an entry that is already durable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from audit.ed25519 import Signer
from audit.keys import load_private_key
from audit.statements import SignedEntry, Statement
from audit.store import LogStore, Receipt, metadata


def audit_engine(url: str) -> Engine:
    """An engine fit for appending: on SQLite, WAL with full fsync at commit and writers that
    queue (BEGIN IMMEDIATE) instead of failing on a lock upgrade."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


def configure_sqlite(engine: Engine) -> None:
    """The SQLAlchemy recipe for explicit BEGIN on pysqlite, plus durability pragmas."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class AuditLog:
    """Append, checkpoint every `checkpoint_every` entries, prove; one transaction per call."""

    def __init__(self, engine: Engine, store: LogStore, checkpoint_every: int = 1000) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self.engine = engine
        self.store = store
        self.checkpoint_every = checkpoint_every
        metadata.create_all(engine)
        with engine.begin() as conn:
            store.create(conn)

    @classmethod
    def open(
        cls,
        url: str,
        origin: str,
        private_key_path: Path,
        member_id: str,
        checkpoint_every: int = 1000,
    ) -> AuditLog:
        signer = Signer(load_private_key(private_key_path))
        return cls(audit_engine(url), LogStore(origin, signer, member_id), checkpoint_every)

    def append(
        self,
        kind: str,
        payload: Mapping[str, Any],
        elements: Sequence[str] = (),
        at_ms: int | None = None,
    ) -> Receipt:
        with self.engine.begin() as conn:
            receipt = self.store.append(conn, kind, payload, elements, at_ms)
            checkpoint = self.maybe_checkpoint(conn, receipt.leaf_index, 1)
        return replace(receipt, checkpoint=checkpoint) if checkpoint else receipt

    def append_own_many(self, statements: Sequence[Statement]) -> list[Receipt]:
        """Many statements in one transaction (one fsync): the bulk path."""
        with self.engine.begin() as conn:
            receipts = self.store.append_own_many(conn, statements)
            if receipts:
                self.maybe_checkpoint(conn, receipts[-1].leaf_index, len(receipts))
        return receipts

    def append_signed(self, entries: Sequence[SignedEntry]) -> list[Receipt]:
        with self.engine.begin() as conn:
            receipts = self.store.append_many(conn, entries)
            if receipts:
                self.maybe_checkpoint(conn, receipts[-1].leaf_index, len(receipts))
        return receipts

    def register_member_key(self, member_id: str, public_key: bytes) -> None:
        with self.engine.begin() as conn:
            self.store.register_member_key(conn, member_id, public_key)

    def checkpoint(self) -> str:
        with self.engine.begin() as conn:
            return self.store.sign_checkpoint(conn)

    def checkpoint_at(self, tree_size: int) -> str:
        with self.engine.connect() as conn:
            note = self.store.checkpoint_note(conn, tree_size)
        if note is None:
            raise KeyError(f"no checkpoint of size {tree_size}")
        return note

    def add_cosignature(self, cosigned_note: str, witness_name: str, witness_key: bytes) -> str:
        with self.engine.begin() as conn:
            return self.store.add_cosignature(conn, cosigned_note, witness_name, witness_key)

    def size(self) -> int:
        with self.engine.connect() as conn:
            return self.store.size(conn)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        with self.engine.connect() as conn:
            return self.store.inclusion_proof(conn, index, size)

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        with self.engine.connect() as conn:
            return self.store.consistency_proof(conn, size1, size2)

    def root(self, size: int | None = None) -> bytes:
        with self.engine.connect() as conn:
            return self.store.root(conn, size)

    def close(self) -> None:
        self.engine.dispose()

    def maybe_checkpoint(self, conn: Connection, last_index: int, count: int) -> str:
        """Sign a checkpoint if the `count` entries ending at `last_index` crossed a multiple
        of `checkpoint_every`; returns the note, or "" when none was due."""
        before, after = last_index + 1 - count, last_index + 1
        if after // self.checkpoint_every > before // self.checkpoint_every:
            return self.store.sign_checkpoint(conn)
        return ""
