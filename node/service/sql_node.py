"""NodeService over SQL: every use case is one transaction, retried when a concurrent one won."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from node.adapters.engine import is_sqlite
from node.adapters.unit_of_work import AuditTrail, PendingEvent, SqlUnitOfWork
from node.domain.clock import Clock
from node.service import (
    confirmation,
    holds,
    master_data,
    outbox,
    quotes,
    reports,
    reservation_views,
    reservations,
    stock,
    sweeps,
)
from node.service.api import (
    Conflict,
    CountIn,
    DemandLineIn,
    LocationIn,
    MovementView,
    NodeError,
    NodeInfo,
    PartIn,
    PartPositionView,
    PoolShareEvent,
    PoolShareView,
    PreconditionFailed,
    QualityStatus,
    QuoteView,
    ReceiptIn,
    ReceiptResult,
    ReconcileResult,
    ReservationView,
    ReserveCommand,
    SafetyStockResult,
    ShipmentIn,
    ShipmentResult,
    TransferIn,
)
from node.service.audit_trail import NodeAuditTrail, ReceiptKey
from node.service.batching import Batcher
from node.service.context import NodeContext

T = TypeVar("T")

CAPABILITIES = (
    "pool_share.watch",
    "watch.resume",
    "quote.stock",
    "quote.production",
    "lots.fefo",
    "reserve.idempotent",
    "reserve.production",
)
# PostgreSQL: serialization failure, deadlock, lock not available.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
ATTEMPTS = 5
RESERVE_BATCH = 64
log = logging.getLogger(__name__)


def _reserved_receipt(view: ReservationView) -> str:
    return "reservation.reserved"  # a retried Reserve answers with the original promise


def _state_receipt(view: ReservationView) -> str:
    return f"reservation.{view.state.value}"


class _Transient(Exception):
    """A concurrent transaction won; the whole use case may run again."""


def _is_transient(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True  # a racing insert of the same key; the retry sees the winner's row
    code = getattr(error.orig, "sqlstate", None)
    if code in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


class SqlNodeService:
    """One per process. Thread-safe: each call uses its own session from the engine's pool."""

    def __init__(
        self,
        engine: Engine,
        ctx: NodeContext,
        clock: Clock,
        audit: NodeAuditTrail | None = None,
        *,
        keeps_audit_log: bool = False,
    ) -> None:
        self._engine = engine
        self._ctx = ctx
        self._clock = clock
        self._audit = audit
        # What each write transaction hands its events to: the log, or (a node that keeps a
        # log but was opened without its key) a refusal, so no change goes unlogged.
        self._trail: AuditTrail | None = audit
        if audit is None and keeps_audit_log:
            self._trail = _UnsignedChangeRefused(ctx.member_id)
        self._write = sessionmaker(engine, autoflush=False, expire_on_commit=False)
        read_engine: Engine = engine
        snapshot_engine: Engine = engine.execution_options(isolation_level="REPEATABLE READ")
        if is_sqlite(str(engine.url)):  # WAL readers always see one snapshot
            read_engine = snapshot_engine = engine.execution_options(sqlite_begin="DEFERRED")
        self._read_engine = read_engine
        self._read = sessionmaker(read_engine, autoflush=False, expire_on_commit=False)
        self._snapshot = sessionmaker(snapshot_engine, autoflush=False, expire_on_commit=False)
        self._reserve_batcher: Batcher[reservations.CheckedReserve, ReservationView] = Batcher(
            self._reserve_batch, max_batch=RESERVE_BATCH
        )

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        try:
            self.checkpoint_audit_log()  # entries this process wrote get their checkpoint
        except Exception:  # noqa: BLE001 - the next process or tick signs it
            log.warning("could not checkpoint the audit log on close", exc_info=True)
        finally:
            self._engine.dispose()

    def checkpoint_audit_log(self) -> bool:
        """Sign a checkpoint if the audit log has entries beyond its latest one."""
        if self._audit is None:
            return False
        audit = self._audit
        return self._in_write(lambda uow, _ctx: audit.checkpoint_if_behind(uow.session))

    # --- transaction runners -----------------------------------------------------------------

    def _in_write(
        self,
        use_case: Callable[..., T],
        *args: Any,
        receipt_of: Callable[[ReservationView], str] | None = None,
    ) -> T:
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(_Transient),
                stop=stop_after_attempt(ATTEMPTS),
                wait=wait_random_exponential(multiplier=0.002, max=0.05),
                reraise=True,
            ):
                with attempt:
                    return self._once(use_case, *args, receipt_of=receipt_of)
        except _Transient as exc:
            raise Conflict(
                f"a concurrent change won {ATTEMPTS} times in a row; retry: {exc.__cause__}"
            ) from exc
        raise AssertionError("unreachable")

    def _once(
        self,
        use_case: Callable[..., T],
        *args: Any,
        receipt_of: Callable[[ReservationView], str] | None = None,
    ) -> T:
        try:
            with SqlUnitOfWork(self._write, self._clock.now_ms(), self._trail) as uow:
                result = use_case(uow, self._ctx, *args)
                if receipt_of is None or self._audit is None:
                    uow.commit()
                    return result
                return self._commit_with_receipts(uow, result, receipt_of)
        except DBAPIError as exc:
            if _is_transient(exc):
                raise _Transient(str(exc.orig)) from exc
            raise

    def _commit_with_receipts(
        self, uow: SqlUnitOfWork, result: Any, receipt_of: Callable[[ReservationView], str]
    ) -> Any:
        """Commit, then hand each reservation view its receipt: the one this transaction just
        appended, or for an idempotent replay the original one (read before the commit)."""
        assert self._audit is not None
        views = result if isinstance(result, list) else [result]
        wanted: dict[int, ReceiptKey] = {
            i: (view.reservation_id, receipt_of(view))
            for i, view in enumerate(views)
            if isinstance(view, ReservationView)
        }
        appending = {(e.aggregate_id, e.event_type) for e in uow.events}
        receipts = self._audit.stored_receipts(uow.session, set(wanted.values()) - appending)
        uow.commit()
        receipts.update(uow.audited or {})
        out = [
            replace(view, receipt=receipts.get(wanted[i])) if i in wanted else view
            for i, view in enumerate(views)
        ]
        return out if isinstance(result, list) else out[0]

    def _in_read(self, factory: sessionmaker[Session], use_case: Callable[..., T], *args: Any) -> T:
        with SqlUnitOfWork(factory, self._clock.now_ms()) as uow:
            return use_case(uow, *args)

    # --- alliance-facing ---------------------------------------------------------------------

    def node_info(self) -> NodeInfo:
        ctx = self._ctx
        return NodeInfo(
            ctx.member_id,
            ctx.member_name,
            ctx.dictionary_version,
            CAPABILITIES,
            ctx.audit_public_key,
            ctx.audit_log_origin,
        )

    def pool_shares(self, part_numbers: Sequence[str] = ()) -> tuple[list[PoolShareView], int]:
        return self._in_read(self._read, reports.pool_shares, self._ctx, tuple(part_numbers))

    def pool_share_events_after(
        self, sequence: int, part_numbers: Sequence[str] = (), limit: int = 1000
    ) -> list[PoolShareEvent]:
        return self._in_read(
            self._read, reports.pool_share_events_after, sequence, tuple(part_numbers), limit
        )

    def last_sequence(self) -> int:
        # Polled many times a second by the pool-share feed: a bare Core read of one row,
        # about a fifth of the CPU of an ORM unit of work.
        with self._read_engine.connect() as conn:
            return int(conn.execute(reports.LAST_SEQUENCE).scalar() or 0)

    def quote(self, demand_id: str, lines: Sequence[DemandLineIn]) -> QuoteView:
        return self._in_read(self._snapshot, quotes.quote, self._ctx, demand_id, tuple(lines))

    def reserve(self, command: ReserveCommand) -> ReservationView:
        return self._reserve_batcher.submit(reservations.check(command))

    def reserve_many(
        self, commands: Sequence[ReserveCommand]
    ) -> Sequence[ReservationView | Exception]:
        results: dict[int, ReservationView | Exception] = {}
        checked: dict[int, reservations.CheckedReserve] = {}
        for i, command in enumerate(commands):
            try:
                checked[i] = reservations.check(command)
            except NodeError as error:
                results[i] = error
        if checked:
            done = self._reserve_batch(list(checked.values()))
            for i, result in zip(checked, done, strict=True):
                # Only Exceptions are caught on the way; anything else has propagated.
                results[i] = result  # type: ignore[assignment]
        return [results[i] for i in range(len(commands))]

    def _reserve_batch(
        self, batch: Sequence[reservations.CheckedReserve]
    ) -> Sequence[ReservationView | BaseException]:
        try:
            return self._reserve_together(batch)
        except Exception as exc:
            if len(batch) == 1:
                raise
            # Something beyond one command's own checks failed: isolate it, run them one by one.
            log.warning("reserve batch of %d failed (%s); retrying one by one", len(batch), exc)
            return [self._reserve_alone(checked) for checked in batch]

    def _reserve_alone(
        self, checked: reservations.CheckedReserve
    ) -> ReservationView | BaseException:
        try:
            (result,) = self._reserve_together([checked])
            return result
        except Exception as exc:  # noqa: BLE001 - delivered to this command's caller
            return exc

    def _reserve_together(
        self, batch: Sequence[reservations.CheckedReserve]
    ) -> list[ReservationView | NodeError]:
        for _ in range(3):
            try:
                return self._in_write(
                    reservations.reserve_many, batch, receipt_of=_reserved_receipt
                )
            except reservations.SweepFirst as due:
                self._expire(due.part_ids)
        raise Conflict("holds on these parts keep running out while reserving; retry")

    def confirm(self, reservation_id: str) -> ReservationView:
        return self._in_write(confirmation.confirm, reservation_id, receipt_of=_state_receipt)

    def release(self, reservation_id: str, reason: str = "") -> ReservationView:
        return self._in_write(holds.release, reservation_id, reason, receipt_of=_state_receipt)

    def get_reservation(self, reservation_id: str) -> ReservationView:
        return self._in_read(self._read, reservation_views.get, self._ctx, reservation_id)

    def expire_due(self) -> int:
        """The periodic tick: expire overdue holds, refresh stale pools, checkpoint the log."""
        total = self._expire(None)
        while self._in_write(sweeps.refresh_stale_pools) == sweeps.REFRESH_BATCH:
            pass
        self.checkpoint_audit_log()
        return total

    def _expire(self, part_ids: set[int] | None) -> int:
        """Expire overdue holds (on some parts or all), a bounded batch per transaction."""
        total = 0
        while True:
            expired = self._in_write(holds.expire_overdue, part_ids)
            total += expired
            if expired < holds.EXPIRE_BATCH:
                return total

    # --- the supplier's own books ------------------------------------------------------------

    def upsert_part(self, part: PartIn) -> None:
        self._in_write(master_data.upsert_part, part)

    def upsert_location(self, location: LocationIn) -> None:
        self._in_write(master_data.upsert_location, location)

    def receive_purchase(self, receipt: ReceiptIn) -> ReceiptResult:
        return self.receive_many([receipt])[0]

    def receive_many(self, receipts: Sequence[ReceiptIn]) -> list[ReceiptResult]:
        return self._in_write(stock.receive_all, tuple(receipts))

    def ship_sales(self, shipment: ShipmentIn) -> ShipmentResult:
        return self._in_write(stock.ship, shipment)

    def transfer(self, transfer: TransferIn) -> tuple[MovementView, ...]:
        return self._in_write(stock.transfer, transfer)

    def count_stock(self, count: CountIn) -> tuple[MovementView, ...]:
        return self._in_write(stock.count, count)

    def set_lot_quality(
        self, part_number: str, lot_number: str, status: QualityStatus, actor: str
    ) -> None:
        self._in_write(stock.set_lot_quality, part_number, lot_number, status, actor)

    def set_safety_stock(self, part_number: str, quantity: int) -> SafetyStockResult:
        return self._in_write(master_data.set_safety_stock, part_number, quantity)

    def compute_safety_stock(
        self, part_number: str, service_level: Decimal, history_days: int
    ) -> SafetyStockResult:
        return self._in_write(
            master_data.compute_safety_stock, part_number, service_level, history_days
        )

    def set_capacity(
        self,
        part_number: str,
        capacity_per_day: int,
        lead_time_days: int,
        unit_price_micros: int,
        currency: str,
    ) -> None:
        self._in_write(
            master_data.set_capacity,
            part_number,
            capacity_per_day,
            lead_time_days,
            unit_price_micros,
            currency,
        )

    def set_pool_policy(self, part_number: str, opted_out: bool) -> PoolShareView:
        return self._in_write(master_data.set_pool_policy, part_number, opted_out)

    def set_shipping_lane(
        self,
        destination: str,
        shipping_cost_per_unit_micros: int,
        shipment_fixed_cost_micros: int,
        transit_time_hours: int,
        currency: str,
    ) -> None:
        self._in_write(
            master_data.set_shipping_lane,
            destination,
            shipping_cost_per_unit_micros,
            shipment_fixed_cost_micros,
            transit_time_hours,
            currency,
        )

    def stock_positions(self, part_numbers: Sequence[str] = ()) -> list[PartPositionView]:
        return self._in_read(
            self._snapshot, reports.stock_positions, self._ctx, tuple(part_numbers)
        )

    def reconcile(self) -> ReconcileResult:
        return self._in_read(self._snapshot, reports.reconcile)

    # --- beyond the NodeService protocol ------------------------------------------------------

    def outbox_events_after(self, sequence: int, limit: int = 1000) -> list[outbox.OutboxRecord]:
        """Every outbox event after `sequence`, oldest first (for the audit log)."""
        return self._in_read(self._read, outbox.events_after, sequence, limit)


class _UnsignedChangeRefused:
    """The audit trail of a node opened without its audit key: refuses to commit a change."""

    def __init__(self, member_id: str) -> None:
        self._member_id = member_id

    def append(self, session: Session, first_sequence: int, events: Sequence[PendingEvent]) -> Any:
        raise PreconditionFailed(
            f"node {self._member_id} keeps a signed audit log: changes need its audit key "
            "(--key or ALLIANCE_NODE_AUDIT_KEY_PATH); nothing was booked"
        )
