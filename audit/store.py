"""The audit log in SQL: appends inside the caller's transaction, checkpoints, proofs.

Every method takes the caller's SQLAlchemy `Connection` (or `Session`) and never commits:
the entry becomes durable when the caller's transaction commits, together with the business
change it records, and must not be acknowledged before. An append locks the log's head row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serializes writers), extends the stored
compact range and writes only the subtrees the new leaf completes: its cost does not grow
with the log. The head update is also conditional on the size read, and leaf indexes are a
primary key, so even a misconfigured concurrent writer fails instead of forking the log.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from audit.checkpoints import (
    Checkpoint,
    add_signature,
    is_cosignature_by,
    parse_body,
    sign_checkpoint,
    verify_cosignature,
)
from audit.ed25519 import Signer, Verifier
from audit.keys import check_public_key
from audit.merkle import CompactRange, NodeKey
from audit.note import NoteSignature, parse_note
from audit.proofs import consistency_proof, inclusion_proof, root_at
from audit.schema import (
    audit_checkpoint,
    audit_cosignature,
    audit_entry,
    audit_log,
    audit_member_key,
    audit_tree_node,
    metadata,
)
from audit.statements import SignedEntry, Statement, StatementError, sign_statement, verify_entry

__all__ = [
    "LogReader",
    "LogStore",
    "OwnEntry",
    "Receipt",
    "LogConflict",
    "AuditStoreError",
    "insert_rows",
    "metadata",
]


class AuditStoreError(Exception):
    """The log refuses an operation: unknown author, bad signature, wrong key, missing data."""


class LogConflict(AuditStoreError):
    """Another writer extended the log between our read and our write; retry the transaction."""


@dataclass(frozen=True)
class OwnEntry:
    """An entry the log's own member built and signed, with the fields the log indexes."""

    entry: SignedEntry
    kind: str
    at_ms: int


@dataclass(frozen=True)
class Receipt:
    """What an appender hands back: enough to later demand an inclusion proof."""

    entry_hash: bytes  # the RFC 9162 leaf hash of statement || signature
    leaf_index: int
    signature: bytes  # the author's Ed25519 signature over the statement bytes
    statement: bytes
    checkpoint: str = ""  # a signed checkpoint note covering the entry, when one was made


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _connection(conn: Connection | Session) -> Connection:
    return conn.connection() if isinstance(conn, Session) else conn


def insert_rows(
    conn: Connection | Session, table: sa.TableClause, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT rows that all carry the same keys, in the caller's transaction.

    On PostgreSQL the rows travel as one array per column in a single statement whose text
    depends only on the table and columns (`INSERT ... SELECT * FROM unnest(...)`): one round
    trip, parsed and planned once per connection, where an executemany sends one execute per
    row. Other databases get the plain executemany.
    """
    if not rows:
        return
    c = _connection(conn)
    if c.dialect.name != "postgresql":
        c.execute(sa.insert(table), list(rows))
        return
    columns = tuple(rows[0])
    c.exec_driver_sql(_unnest_insert(table, columns, c.dialect), column_arrays(rows, columns))


def unnest_arrays(table: sa.TableClause, columns: Sequence[str], dialect: sa.Dialect) -> str:
    """`unnest`'s arguments for `columns` of `table`: one binary array parameter each,
    `%(c0)b::TYPE[], ...`, filled by `column_arrays` (PostgreSQL)."""
    return ", ".join(
        f"%(c{i})b::{table.c[name].type.compile(dialect=dialect)}[]"
        for i, name in enumerate(columns)
    )


def column_arrays(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, list]:
    """The parameters of `unnest_arrays`: each column's values over the rows, in order."""
    return {f"c{i}": [row[name] for row in rows] for i, name in enumerate(columns)}


@functools.lru_cache(maxsize=64)
def _unnest_insert(table: sa.TableClause, columns: tuple[str, ...], dialect: sa.Dialect) -> str:
    preparer = dialect.identifier_preparer
    arrays = unnest_arrays(table, columns, dialect)
    names = ", ".join(preparer.quote(name) for name in columns)
    return f"INSERT INTO {preparer.format_table(table)} ({names}) SELECT * FROM unnest({arrays})"


class LogReader:
    """Read access to one log (`origin`): proofs, entries, checkpoints; needs no private key."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def exists(self, conn: Connection | Session) -> bool:
        return self._head(_connection(conn), lock=False) is not None

    def log_public_key(self, conn: Connection | Session) -> bytes:
        return bytes(self._head_or_fail(_connection(conn), lock=False).log_public_key)

    @staticmethod
    def origins(conn: Connection | Session) -> list[str]:
        rows = _connection(conn).execute(sa.select(audit_log.c.origin).order_by(audit_log.c.origin))
        return list(rows.scalars())

    # --- checkpoints (read) -----------------------------------------------------------------

    def checkpoint_note(self, conn: Connection | Session, tree_size: int) -> str | None:
        c = _connection(conn)
        return _checkpoint_note(c, self._log_id(c), tree_size)

    def latest_checkpoint(self, conn: Connection | Session) -> str | None:
        c = _connection(conn)
        return c.execute(
            sa.select(audit_checkpoint.c.note)
            .where(audit_checkpoint.c.log_id == self._log_id(c))
            .order_by(audit_checkpoint.c.tree_size.desc())
            .limit(1)
        ).scalar_one_or_none()

    def witness_keys(self, conn: Connection | Session, tree_size: int) -> dict[str, bytes]:
        c = _connection(conn)
        rows = c.execute(
            sa.select(
                audit_cosignature.c.witness_name, audit_cosignature.c.witness_public_key
            ).where(
                audit_cosignature.c.log_id == self._log_id(c),
                audit_cosignature.c.tree_size == tree_size,
            )
        )
        return {name: key for name, key in rows}

    # --- reading ----------------------------------------------------------------------------

    def size(self, conn: Connection | Session) -> int:
        return int(self._head_or_fail(_connection(conn), lock=False).size)

    def root(self, conn: Connection | Session, size: int | None = None) -> bytes:
        c = _connection(conn)
        head = self._head_or_fail(c, lock=False)
        if size is None or size == head.size:
            return CompactRange.from_bytes(head.size, head.frontier).root()
        self._check_size(head, size)
        return root_at(_SqlNodes(c, head.log_id), size)

    def inclusion_proof(self, conn: Connection | Session, index: int, size: int) -> list[bytes]:
        c = _connection(conn)
        head = self._head_or_fail(c, lock=False)
        self._check_size(head, size)
        return inclusion_proof(_SqlNodes(c, head.log_id), index, size)

    def consistency_proof(self, conn: Connection | Session, size1: int, size2: int) -> list[bytes]:
        c = _connection(conn)
        head = self._head_or_fail(c, lock=False)
        self._check_size(head, size2)
        return consistency_proof(_SqlNodes(c, head.log_id), size1, size2)

    def entries(
        self, conn: Connection | Session, start: int = 0, stop: int | None = None, batch: int = 5000
    ) -> Iterator[SignedEntry]:
        """Entries [start, stop) in order, read in batches (keyset pagination)."""
        c = _connection(conn)
        log_id = self._log_id(c)
        stop = self.size(c) if stop is None else stop
        while start < stop:
            rows = c.execute(
                sa.select(audit_entry.c.statement, audit_entry.c.signature)
                .where(
                    audit_entry.c.log_id == log_id,
                    audit_entry.c.leaf_index >= start,
                    audit_entry.c.leaf_index < min(stop, start + batch),
                )
                .order_by(audit_entry.c.leaf_index)
            ).all()
            if not rows:
                raise AuditStoreError(f"log {self.origin!r} lacks entry {start}")
            for statement, signature in rows:
                yield SignedEntry(bytes(statement), bytes(signature))
            start += len(rows)

    def authors(self, conn: Connection | Session, size: int) -> set[str]:
        """Members who authored at least one of the first `size` entries."""
        c = _connection(conn)
        rows = c.execute(
            sa.select(audit_entry.c.author)
            .where(audit_entry.c.log_id == self._log_id(c), audit_entry.c.leaf_index < size)
            .distinct()
        )
        return set(rows.scalars())

    def member_keys(self, conn: Connection | Session) -> dict[str, bytes]:
        c = _connection(conn)
        rows = c.execute(
            sa.select(audit_member_key.c.member_id, audit_member_key.c.public_key).where(
                audit_member_key.c.log_id == self._log_id(c)
            )
        )
        return {member: bytes(key) for member, key in rows}

    # --- internals --------------------------------------------------------------------------

    def _head(self, c: Connection, lock: bool) -> Row[Any] | None:
        query = _HEAD_FOR_UPDATE if lock else _HEAD
        return c.execute(query, {"origin": self.origin}).one_or_none()

    def _head_or_fail(self, c: Connection, lock: bool) -> Row[Any]:
        head = self._head(c, lock)
        if head is None:
            raise AuditStoreError(f"no audit log {self.origin!r} in this database")
        return head

    def _log_id(self, c: Connection) -> int:
        return int(self._head_or_fail(c, lock=False).log_id)

    def _member_key(self, c: Connection, log_id: int, member_id: str) -> bytes | None:
        key = c.execute(
            sa.select(audit_member_key.c.public_key).where(
                audit_member_key.c.log_id == log_id, audit_member_key.c.member_id == member_id
            )
        ).scalar_one_or_none()
        return None if key is None else bytes(key)

    @staticmethod
    def _check_size(head: Row[Any], size: int) -> None:
        if not 0 <= size <= head.size:
            raise AuditStoreError(f"the log has {head.size} entries, not {size}")


class LogStore(LogReader):
    """One log (`origin`) whose checkpoints are signed by `signer`, owned by `member_id`."""

    def __init__(self, origin: str, signer: Signer, member_id: str) -> None:
        super().__init__(origin)
        self.signer = signer
        self.member_id = member_id

    # --- set-up -----------------------------------------------------------------------------

    def _head_or_fail(self, c: Connection, lock: bool) -> Row[Any]:
        head = super()._head_or_fail(c, lock)
        if bytes(head.log_public_key) != self.signer.public_key:
            raise AuditStoreError(f"log {self.origin!r} is signed by another key")
        return head

    def create(self, conn: Connection | Session) -> None:
        """Create the log's head row and register the owner's key; does nothing if present."""
        c = _connection(conn)
        if self._head(c, lock=False) is None:
            c.execute(
                sa.insert(audit_log).values(
                    origin=self.origin,
                    log_public_key=self.signer.public_key,
                    size=0,
                    frontier=b"",
                )
            )
        self.register_member_key(c, self.member_id, self.signer.public_key)

    def register_member_key(
        self, conn: Connection | Session, member_id: str, public_key: bytes
    ) -> None:
        """Accept statements signed by `member_id` with `public_key` (weak keys refused)."""
        check_public_key(public_key)
        c = _connection(conn)
        log_id = self._head_or_fail(c, lock=False).log_id
        known = self._member_key(c, log_id, member_id)
        if known is None:
            c.execute(
                sa.insert(audit_member_key).values(
                    log_id=log_id, member_id=member_id, public_key=public_key
                )
            )
        elif known != public_key:
            raise AuditStoreError(f"member {member_id!r} already has a different key in this log")

    # --- appending --------------------------------------------------------------------------

    def append(
        self,
        conn: Connection | Session,
        kind: str,
        payload: Mapping[str, Any],
        elements: Sequence[str] = (),
        at_ms: int | None = None,
    ) -> Receipt:
        """Sign a statement as this log's member and append it, in the caller's transaction."""
        statement = Statement(
            self.member_id, kind, now_ms() if at_ms is None else at_ms, tuple(elements), payload
        )
        entry = sign_statement(statement, self.signer)
        return self._append_locked(_connection(conn), [entry], [statement])[0]

    def append_with_checkpoint(
        self,
        conn: Connection | Session,
        kind: str,
        payload: Mapping[str, Any],
        elements: Sequence[str] = (),
        at_ms: int | None = None,
    ) -> Receipt:
        """`append`, then sign a checkpoint covering the entry: the receipt of a promise."""
        receipt = self.append(conn, kind, payload, elements, at_ms)
        return replace(receipt, checkpoint=self.sign_checkpoint(conn))

    def append_signed(self, conn: Connection | Session, entry: SignedEntry) -> Receipt:
        """Append a statement another member signed (its key must be registered)."""
        return self.append_many(conn, [entry])[0]

    def append_many(
        self, conn: Connection | Session, entries: Sequence[SignedEntry]
    ) -> list[Receipt]:
        """Append already-signed entries in order, checking each signature and canonical form."""
        c = _connection(conn)
        log_id = self._head_or_fail(c, lock=False).log_id
        verifiers: dict[str, Verifier] = {}
        statements = []
        for entry in entries:
            statement = _canonical_statement(entry)
            if statement.author not in verifiers:
                key = self._member_key(c, log_id, statement.author)
                if key is None:
                    raise AuditStoreError(f"author {statement.author!r} has no key in this log")
                verifiers[statement.author] = Verifier(key)
            try:
                verify_entry(entry, verifiers[statement.author])
            except StatementError as exc:
                raise AuditStoreError(f"entry by {statement.author!r}: {exc}") from None
            statements.append(statement)
        return self._append_locked(c, entries, statements)

    def append_own_many(
        self, conn: Connection | Session, statements: Sequence[Statement]
    ) -> list[Receipt]:
        """Sign and append many statements of this log's member in one go (bulk loads)."""
        for statement in statements:
            if statement.author != self.member_id:
                raise AuditStoreError(f"cannot sign as {statement.author!r}")
        entries = [sign_statement(statement, self.signer) for statement in statements]
        return self._append_locked(_connection(conn), entries, statements)

    def append_own_signed(
        self, conn: Connection | Session, entries: Sequence[SignedEntry]
    ) -> list[Receipt]:
        """Bulk path: entries this log's own key signed elsewhere (a pool of signing processes).

        Signatures are not re-checked here (a bad one would fail every later verification);
        each statement must be authored by this log's member.
        """
        statements = [entry.statement() for entry in entries]
        for statement in statements:
            if statement.author != self.member_id:
                raise AuditStoreError(f"cannot append as {statement.author!r}")
        return self._append_locked(_connection(conn), entries, statements)

    def append_own_entries(
        self, conn: Connection | Session, entries: Sequence[OwnEntry], *, checkpoint: bool
    ) -> tuple[list[Receipt], str]:
        """The hot path of an owner that built and signed its statements itself: no statement
        is parsed again, and with `checkpoint` the new head is signed from what this append
        already holds (no second read of the head). Returns the receipts and the note ("" when
        no checkpoint was asked for or nothing was appended)."""
        c = _connection(conn)
        rows = [(own.entry, self.member_id, own.kind, own.at_ms) for own in entries]
        log_id, compact, receipts = self._append_rows(c, rows)
        if not checkpoint or not receipts:
            return receipts, ""
        return receipts, self._store_checkpoint(c, log_id, compact)

    def _append_locked(
        self, c: Connection, entries: Sequence[SignedEntry], statements: Sequence[Statement]
    ) -> list[Receipt]:
        rows = [
            (entry, statement.author, statement.kind, statement.at_ms)
            for entry, statement in zip(entries, statements, strict=True)
        ]
        return self._append_rows(c, rows)[2]

    def _append_rows(
        self, c: Connection, rows: Sequence[tuple[SignedEntry, str, str, int]]
    ) -> tuple[int, CompactRange, list[Receipt]]:
        """Append (entry, author, kind, at_ms) rows under the head's lock; returns the log id,
        the compact range after the append and one receipt per entry."""
        head = self._head_or_fail(c, lock=True)
        compact = CompactRange.from_bytes(head.size, head.frontier)
        log_id = head.log_id
        entry_rows, node_rows, receipts = [], [], []
        for entry, author, kind, at_ms in rows:
            index = compact.size
            leaf = entry.leaf_hash
            for level, node_index, value in compact.append(leaf):
                node_rows.append(
                    {"log_id": log_id, "level": level, "node_index": node_index, "hash": value}
                )
            entry_rows.append(
                {
                    "log_id": log_id,
                    "leaf_index": index,
                    "statement": entry.statement_bytes,
                    "signature": entry.signature,
                    "leaf_hash": leaf,
                    "author": author,
                    "kind": kind,
                    "at_ms": at_ms,
                }
            )
            receipts.append(Receipt(leaf, index, entry.signature, entry.statement_bytes))
        if not entry_rows:
            return log_id, compact, []
        insert_rows(c, audit_entry, entry_rows)
        insert_rows(c, audit_tree_node, node_rows)
        moved = c.execute(
            _MOVE_HEAD,
            {
                "head_log_id": log_id,
                "head_size": head.size,
                "new_size": compact.size,
                "new_frontier": compact.to_bytes(),
            },
        )
        if moved.rowcount != 1:
            raise LogConflict(f"log {self.origin!r} grew during this append")
        return log_id, compact, receipts

    # --- checkpoints and cosignatures -------------------------------------------------------

    def sign_checkpoint(self, conn: Connection | Session) -> str:
        """Sign (once per size) and store a checkpoint of the log as it is in this transaction."""
        c = _connection(conn)
        head = self._head_or_fail(c, lock=True)
        existing = _checkpoint_note(c, head.log_id, head.size)
        if existing is not None:
            return existing
        compact = CompactRange.from_bytes(head.size, head.frontier)
        return self._store_checkpoint(c, head.log_id, compact)

    def _store_checkpoint(self, c: Connection, log_id: int, compact: CompactRange) -> str:
        """Sign the head `compact` describes (held locked by the caller) and store the note."""
        root = compact.root()
        note = sign_checkpoint(
            Checkpoint(self.origin, compact.size, root), self.origin, self.signer
        )
        c.execute(
            _STORE_CHECKPOINT,
            {
                "log_id": log_id,
                "tree_size": compact.size,
                "root_hash": root,
                "note": note,
                "signed_at_ms": now_ms(),
            },
        )
        return note

    def add_cosignature(
        self, conn: Connection | Session, cosigned_note: str, witness_name: str, witness_key: bytes
    ) -> str:
        """Store a witness's cosignature (taken from the note it returned) on our checkpoint."""
        check_public_key(witness_key)
        c = _connection(conn)
        note = parse_note(cosigned_note)
        checkpoint = parse_body(note.text)
        ours = self.checkpoint_note(c, checkpoint.size)
        if ours is None or parse_note(ours).text != note.text:
            raise AuditStoreError("cosigned text is not a checkpoint this log signed")
        line = _the_cosignature(note.signatures, witness_name, witness_key)
        timestamp = verify_cosignature(note.text, line, witness_key)
        updated = add_signature(ours, line)
        log_id = self._log_id(c)
        c.execute(
            sa.update(audit_checkpoint)
            .where(
                audit_checkpoint.c.log_id == log_id,
                audit_checkpoint.c.tree_size == checkpoint.size,
            )
            .values(note=updated)
        )
        c.execute(
            sa.delete(audit_cosignature).where(
                audit_cosignature.c.log_id == log_id,
                audit_cosignature.c.tree_size == checkpoint.size,
                audit_cosignature.c.witness_name == witness_name,
            )
        )
        c.execute(
            sa.insert(audit_cosignature).values(
                log_id=log_id,
                tree_size=checkpoint.size,
                witness_name=witness_name,
                witness_public_key=witness_key,
                signature_line=line.line(),
                cosigned_at=timestamp,
            )
        )
        return updated


# Built once: appends run these statements thousands of times a second.
_STORE_CHECKPOINT = sa.insert(audit_checkpoint)  # every reserve batch signs a checkpoint
_HEAD = sa.select(audit_log).where(audit_log.c.origin == sa.bindparam("origin"))
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_MOVE_HEAD = (
    sa.update(audit_log)
    .where(
        audit_log.c.log_id == sa.bindparam("head_log_id"),
        audit_log.c.size == sa.bindparam("head_size"),
    )
    .values(size=sa.bindparam("new_size"), frontier=sa.bindparam("new_frontier"))
)


def _checkpoint_note(c: Connection, log_id: int, tree_size: int) -> str | None:
    return c.execute(
        sa.select(audit_checkpoint.c.note).where(
            audit_checkpoint.c.log_id == log_id, audit_checkpoint.c.tree_size == tree_size
        )
    ).scalar_one_or_none()


class _SqlNodes:
    """Stored perfect subtrees of one log, read in two queries per proof."""

    def __init__(self, c: Connection, log_id: int) -> None:
        self.c = c
        self.log_id = log_id

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        leaves = [index for level, index in keys if level == 0]
        inner = [(level, index) for level, index in keys if level > 0]
        if leaves:
            rows = self.c.execute(
                sa.select(audit_entry.c.leaf_index, audit_entry.c.leaf_hash).where(
                    audit_entry.c.log_id == self.log_id, audit_entry.c.leaf_index.in_(leaves)
                )
            )
            found.update({(0, index): bytes(value) for index, value in rows})
        if inner:
            # One index range per level: SQLite would not use the primary key for a
            # (level, node_index) IN (...) tuple list and would scan the log's nodes.
            per_level: dict[int, list[int]] = {}
            for level, index in inner:
                per_level.setdefault(level, []).append(index)
            node = audit_tree_node.c
            selects = [
                sa.select(node.level, node.node_index, node.hash).where(
                    node.log_id == self.log_id, node.level == level, node.node_index.in_(indexes)
                )
                for level, indexes in per_level.items()
            ]
            nodes = self.c.execute(sa.union_all(*selects) if len(selects) > 1 else selects[0])
            found.update({(level, index): bytes(value) for level, index, value in nodes})
        return found


def _canonical_statement(entry: SignedEntry) -> Statement:
    try:
        statement = entry.statement()
        canonical = statement.canonical_bytes()
    except StatementError as exc:
        raise AuditStoreError(f"refused entry: {exc}") from None
    if canonical != entry.statement_bytes:
        raise AuditStoreError("refused entry: statement bytes are not RFC 8785 canonical")
    return statement


def _the_cosignature(
    signatures: Sequence[NoteSignature], witness_name: str, witness_key: bytes
) -> NoteSignature:
    lines = [s for s in signatures if is_cosignature_by(s, witness_name, witness_key)]
    if len(lines) != 1:
        raise AuditStoreError(f"note carries {len(lines)} cosignatures of {witness_name!r}")
    return lines[0]
