"""The node's audit log: one signed statement per outbox event, appended in the event's
transaction, and the receipts that Reserve / Confirm / Release hand to the alliance.

Statement (audit/README.md format), `payload` being the outbox event itself:

    {"at_ms": <event time>, "author": <member id>, "elements": [...], "kind": <kind>,
     "payload": {"actor", "aggregate_id", "aggregate_type", "data": <outbox payload>,
                 "event_type", "part_number", "sequence"}, "type": "alliance-audit-statement/v1"}

so the log is a signed, tamper-evident image of the outbox: every ledger movement (inside the
`stock.*` and `reservation.confirmed` events), every reservation state and every pool-share
change appears exactly once, under its outbox sequence number.

Checkpoints: a transaction that writes a reservation state signs a checkpoint covering it, so
every receipt is complete (inclusion provable at once) when the caller gets it. With group
commit that is one extra signature and two statements per batch of reserves, a small cost
next to the commit's flush, and it spares the coordinator a second round trip for the
checkpoint. Other transactions sign one when `checkpoint_every` entries or
`checkpoint_interval_ms` have passed since the last, and the expiry sweeper (every second)
covers any entries still waiting.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import rfc8785
import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.ed25519 import Signer
from audit.schema import audit_checkpoint, audit_entry, audit_log
from audit.statements import STATEMENT_TYPE, SignedEntry, StatementKind
from audit.store import LogStore, OwnEntry, Receipt, insert_rows
from node.adapters.orm import ReservationReceipt, table_of
from node.adapters.unit_of_work import PendingEvent
from node.service.api import AuditReceiptView

CHECKPOINT_EVERY = 256  # entries
CHECKPOINT_INTERVAL_MS = 1000

_EVENT = ["actor_id", "event_at", "event_sequence"]
_LEDGER = [
    *_EVENT,
    "document_number",
    "location_id",
    "lot_number",
    "movement_id",
    "movement_quantity",
    "movement_reason",
    "movement_type",
    "part_number",
]
_RESERVATION = [
    *_EVENT,
    "demand_id",
    "lot_number",
    "member_id",
    "part_number",
    "plan_id",
    "reservation_expires_at",
    "reservation_id",
    "reservation_state",
    "unit_price",
]
_POOL = [
    *_EVENT,
    "member_id",
    "part_number",
    "pool_fraction",
    "pool_free_quantity",
    "pool_opt_out",
    "pool_share_quantity",
    "reserved_quantity",
    "safety_stock_quantity",
    "unit_of_measure",
]


def _kind(event_type: str) -> tuple[str, str]:
    """The statement kind of an outbox event type and its elements, as canonical JSON."""
    if event_type == "pool_share.changed":
        kind, elements = StatementKind.POOL_SHARE_CHANGE.value, _POOL
    elif event_type.startswith("reservation."):
        kind, elements = StatementKind.RESERVATION_STATE.value, _RESERVATION
        if event_type == "reservation.confirmed":
            elements = _RESERVATION + _LEDGER + ["sales_order_number"]
    elif event_type.startswith("stock."):
        kind, elements = StatementKind.LEDGER_MOVEMENT.value, _LEDGER
    elif event_type == "lot.quality_changed":
        kind, elements = (
            "lot_quality_change",
            [*_EVENT, "lot_number", "part_number", "quality_status"],
        )
    else:  # master data, policies, identity
        kind, elements = "master_data_change", _EVENT
    return kind, json.dumps(sorted(set(elements)), separators=(",", ":"))


_KINDS: dict[str, tuple[str, str]] = {}


def _quoted(text: str | None) -> str:
    return json.dumps(text, ensure_ascii=False)


def statement_kind(event_type: str) -> str:
    return _kind_of(event_type)[0]


def _kind_of(event_type: str) -> tuple[str, str]:
    kind = _KINDS.get(event_type)
    if kind is None:
        kind = _KINDS[event_type] = _kind(event_type)
    return kind


def statement_bytes(author: str, sequence: int, event: PendingEvent) -> bytes:
    """The RFC 8785 bytes of an event's statement, built without re-parsing its payload.

    The outbox payload is already compact JSON with sorted keys and no floats, which is its
    RFC 8785 form as long as it is ASCII (key order by UTF-16 units then equals Python's);
    anything else takes the `rfc8785` library's path.
    """
    kind = _kind_of(event.event_type)
    text = (
        f'{{"at_ms":{event.occurred_at_ms},"author":{_quoted(author)},"elements":{kind[1]},'
        f'"kind":"{kind[0]}","payload":{{"actor":{_quoted(event.actor)},'
        f'"aggregate_id":{_quoted(event.aggregate_id)},'
        f'"aggregate_type":{_quoted(event.aggregate_type)},"data":{event.payload},'
        f'"event_type":{_quoted(event.event_type)},'
        f'"part_number":{_quoted(event.part_number)},"sequence":{sequence}}},'
        f'"type":"{STATEMENT_TYPE}"}}'
    )
    if text.isascii():
        return text.encode()
    return rfc8785.dumps(json.loads(text))


ReceiptKey = tuple[str, str]  # (reservation id, outbox event type)


class NodeAuditTrail:
    """Appends the node's statements (`SqlUnitOfWork.commit` calls `append`); thread-safe."""

    def __init__(
        self,
        store: LogStore,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoint_interval_ms: int = CHECKPOINT_INTERVAL_MS,
        monotonic_ms: Callable[[], int] = lambda: time.monotonic_ns() // 1_000_000,
    ) -> None:
        self.store = store
        self._signer: Signer = store.signer
        self._every = checkpoint_every
        self._interval_ms = checkpoint_interval_ms
        self._monotonic_ms = monotonic_ms
        self._lock = threading.Lock()
        self._uncovered = 0  # entries this process appended since its last checkpoint
        self._last_checkpoint_ms: int | None = None
        self._log_id: int | None = None

    @property
    def public_key(self) -> bytes:
        return self._signer.public_key

    # --- appending (inside the unit of work's commit) ---------------------------------------

    def append(
        self, session: Session, first_sequence: int, events: Sequence[PendingEvent]
    ) -> dict[ReceiptKey, AuditReceiptView]:
        author, sign = self.store.member_id, self._signer.sign
        entries = []
        for offset, event in enumerate(events):
            raw = statement_bytes(author, first_sequence + offset, event)
            entries.append(
                OwnEntry(
                    SignedEntry(raw, sign(raw)),
                    statement_kind(event.event_type),
                    event.occurred_at_ms,
                )
            )
        promises = [event.event_type.startswith("reservation.") for event in events]
        checkpoint = any(promises) or self._checkpoint_due(len(entries))
        receipts, note = self.store.append_own_entries(session, entries, checkpoint=checkpoint)
        size = receipts[-1].leaf_index + 1 if note else 0
        if note:
            self._checkpointed()
        promised = [
            (event, receipt)
            for event, receipt, promise in zip(events, receipts, promises, strict=True)
            if promise
        ]
        if not promised:
            return {}
        insert_rows(
            session,
            table_of(ReservationReceipt),
            [
                {
                    "reservation_id": event.aggregate_id,
                    "event_type": event.event_type,
                    "leaf_index": receipt.leaf_index,
                    "checkpoint_size": size,
                }
                for event, receipt in promised
            ],
        )
        return {
            (event.aggregate_id, event.event_type): _view(receipt, note)
            for event, receipt in promised
        }

    def _checkpoint_due(self, appended: int) -> bool:
        with self._lock:
            self._uncovered += appended
            last = self._last_checkpoint_ms
            return (
                self._uncovered >= self._every
                or last is None
                or self._monotonic_ms() - last >= self._interval_ms
            )

    def _checkpointed(self) -> None:
        with self._lock:
            self._uncovered = 0
            self._last_checkpoint_ms = self._monotonic_ms()

    def checkpoint_if_behind(self, session: Session) -> bool:
        """Sign a checkpoint when entries exist beyond the latest one (the periodic tick)."""
        size = self.store.size(session)
        latest = session.execute(
            sa.select(sa.func.max(audit_checkpoint.c.tree_size)).where(
                audit_checkpoint.c.log_id == self._log(session)
            )
        ).scalar()
        if size == 0 or latest == size:
            return False
        self.store.sign_checkpoint(session)
        self._checkpointed()
        return True

    # --- receipts kept for idempotent retries -----------------------------------------------

    def stored_receipts(
        self, session: Session, keys: Iterable[ReceiptKey]
    ) -> dict[ReceiptKey, AuditReceiptView]:
        wanted = set(keys)
        if not wanted:
            return {}
        log_id = self._log(session)
        rr, entry, cp = ReservationReceipt.__table__.c, audit_entry.c, audit_checkpoint.c
        rows = session.execute(
            sa.select(
                rr.reservation_id,
                rr.event_type,
                entry.leaf_hash,
                entry.leaf_index,
                entry.signature,
                entry.statement,
                cp.note,
            )
            .join(audit_entry, sa.and_(entry.log_id == log_id, entry.leaf_index == rr.leaf_index))
            .outerjoin(
                audit_checkpoint, sa.and_(cp.log_id == log_id, cp.tree_size == rr.checkpoint_size)
            )
            .where(rr.reservation_id.in_({reservation_id for reservation_id, _ in wanted}))
        )
        found = {}
        for row in rows:
            key = (row.reservation_id, row.event_type)
            if key in wanted:
                found[key] = AuditReceiptView(
                    bytes(row.leaf_hash),
                    int(row.leaf_index),
                    row.note or "",
                    bytes(row.signature),
                    bytes(row.statement),
                )
        return found

    def _log(self, session: Session) -> int:
        if self._log_id is None:
            self._log_id = session.execute(
                sa.select(audit_log.c.log_id).where(audit_log.c.origin == self.store.origin)
            ).scalar_one()
        return self._log_id


def _view(receipt: Receipt, checkpoint: str) -> AuditReceiptView:
    return AuditReceiptView(
        receipt.entry_hash, receipt.leaf_index, checkpoint, receipt.signature, receipt.statement
    )
