"""One transaction of the node: a session, the outbox events it writes, commit or roll back.

Every event gets its sequence number from the single `outbox_counter` row, updated just before
COMMIT (followed only by the event rows and, when the node keeps one, its audit statements).
The row lock is held until commit, so transactions commit in sequence order: a reader that has
seen sequence N can never later find a new event numbered <= N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from audit.store import insert_rows
from node.adapters.bulk import flush_changed
from node.adapters.orm import (
    Lot,
    NodeIdentity,
    OutboxCounter,
    OutboxEvent,
    Part,
    PartPool,
    StockBalance,
    table_of,
)
from node.adapters.repository import POOL_FRACTION
from node.service.codec import dumps

# Core, built once: the ORM's bulk-update path costs more CPU than the statement itself.
_COUNTER = table_of(OutboxCounter)
_TAKE_SEQUENCES = (
    update(_COUNTER)
    .where(_COUNTER.c.id == 1)
    .values(last_sequence=_COUNTER.c.last_sequence + bindparam("count"))
    .returning(_COUNTER.c.last_sequence)
)

# Rows a batch changes by the dozen; written in bulk (adapters/bulk.py) ahead of the flush.
BULK_FLUSHED = frozenset({Lot, Part, PartPool, StockBalance})


@dataclass(frozen=True)
class PendingEvent:
    event_type: str
    aggregate_type: str
    aggregate_id: str
    part_number: str | None
    occurred_at_ms: int
    actor: str
    payload: str


class AuditTrail(Protocol):
    """Writes the signed statement of each event to the node's audit log (service/audit_trail)."""

    def append(self, session: Session, first_sequence: int, events: Sequence[PendingEvent]) -> Any:
        """Append one statement per event, in this transaction; returns what the caller keeps."""


class SqlUnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        now_ms: int,
        audit: AuditTrail | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.now_ms = now_ms
        self._events: list[PendingEvent] = []
        self._pool_fraction: Decimal | None = None
        self._audit = audit
        self.last_sequence = 0
        self.audited: Any = None  # what the audit trail returned for this transaction

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()  # no-op after a commit
        finally:
            self.session.close()

    def record(
        self,
        event_type: str,
        aggregate_type: str,
        aggregate_id: str,
        payload: Any,
        *,
        actor: str,
        part_number: str | None = None,
    ) -> None:
        """Queue an outbox event; it is written, numbered, in this transaction's commit."""
        self._events.append(
            PendingEvent(
                event_type,
                aggregate_type,
                aggregate_id,
                part_number,
                self.now_ms,
                actor,
                dumps(payload),
            )
        )

    def pool_fraction(self) -> Decimal:
        """The node's alliance fraction as committed now (another process may have changed it
        with `alliance node init`), read once per transaction."""
        if self._pool_fraction is None:
            text = self.session.info.get(POOL_FRACTION)  # read with the part locks, if any
            if text is None:
                text = self.session.scalar(select(NodeIdentity.pool_fraction))
            self._pool_fraction = Decimal(text or "0")
        return self._pool_fraction

    @property
    def events(self) -> list[PendingEvent]:
        return list(self._events)

    def commit(self) -> None:
        session = self.session
        flush_changed(session, BULK_FLUSHED)
        if self._events:
            session.flush()
            count = len(self._events)
            last = session.connection().execute(_TAKE_SEQUENCES, {"count": count}).scalar_one()
            first = last - count + 1
            insert_rows(
                session,
                table_of(OutboxEvent),
                [
                    {
                        "sequence": first + i,
                        "event_type": e.event_type,
                        "aggregate_type": e.aggregate_type,
                        "aggregate_id": e.aggregate_id,
                        "part_number": e.part_number,
                        "occurred_at_ms": e.occurred_at_ms,
                        "actor": e.actor,
                        "payload": e.payload,
                    }
                    for i, e in enumerate(self._events)
                ],
            )
            self.last_sequence = last
            if self._audit is not None:
                # Same transaction: the statements are durable exactly when the events are.
                self.audited = self._audit.append(session, first, self._events)
        session.commit()
        self._events.clear()
