"""Read-only views: pool shares and their change feed, stock positions, reconciliation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select

from node.adapters import repository as repo
from node.adapters.orm import (
    JournalLine,
    Lot,
    OutboxCounter,
    OutboxEvent,
    Part,
    PartPool,
    Reservation,
    ReservationLine,
    ReservationLot,
    StockBalance,
    StockMovement,
)
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.service import codec
from node.service import pool as pool_share
from node.service.api import (
    NotFound,
    PartPositionView,
    PoolShareEvent,
    PoolShareView,
    QualityStatus,
    ReconcileResult,
    StockBalanceView,
)
from node.service.context import NodeContext
from node.service.ledger import INVENTORY
from node.service.pool import POOL_SHARE_CHANGED


def pool_shares(
    uow: SqlUnitOfWork, ctx: NodeContext, part_numbers: Sequence[str]
) -> tuple[list[PoolShareView], int]:
    """Published pool shares and the last sequence, read by one statement (one snapshot).

    All parts that are not opted out when none are named; named parts the node does not
    carry are left out (a coordinator asks every node about every part).
    """
    for number in part_numbers:
        v.part_number(number)
    last = select(OutboxCounter.last_sequence).where(OutboxCounter.id == 1).scalar_subquery()
    stmt = (
        select(Part, PartPool, last)
        .join(PartPool, PartPool.part_id == Part.id)
        .order_by(Part.part_number)
    )
    if part_numbers:
        stmt = stmt.where(Part.part_number.in_(sorted(set(part_numbers))))
    else:
        stmt = stmt.where(PartPool.opted_out.is_(False))
    rows = uow.session.execute(stmt).all()
    if not rows:
        return [], last_sequence(uow)
    return [pool_share.pool_view(ctx, part, pool) for part, pool, _ in rows], int(rows[0][2])


LAST_SEQUENCE = select(OutboxCounter.last_sequence).where(OutboxCounter.id == 1)


def last_sequence(uow: SqlUnitOfWork) -> int:
    return int(uow.session.scalar(LAST_SEQUENCE) or 0)


def pool_share_events_after(
    uow: SqlUnitOfWork, sequence: int, part_numbers: Sequence[str], limit: int
) -> list[PoolShareEvent]:
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise v.InvalidInput(f"sequence {sequence!r} must be a non-negative integer")
    limit = max(1, min(int(limit), 10_000))
    for number in part_numbers:
        v.part_number(number)
    stmt = (
        select(OutboxEvent.sequence, OutboxEvent.occurred_at_ms, OutboxEvent.payload)
        .where(OutboxEvent.event_type == POOL_SHARE_CHANGED, OutboxEvent.sequence > sequence)
        .order_by(OutboxEvent.sequence)
        .limit(limit)
    )
    if part_numbers:
        stmt = stmt.where(OutboxEvent.part_number.in_(sorted(set(part_numbers))))
    return [
        PoolShareEvent(seq, at, codec.pool_share_from(codec.loads(payload)))
        for seq, at, payload in uow.session.execute(stmt).all()
    ]


def stock_positions(
    uow: SqlUnitOfWork, ctx: NodeContext, part_numbers: Sequence[str]
) -> list[PartPositionView]:
    session = uow.session
    rows = repo.parts(session, part_numbers)
    missing = set(part_numbers) - {part.part_number for part, _, _ in rows}
    if missing:
        raise NotFound(f"part {', '.join(sorted(missing))} is not known to this node")
    lots = repo.lots_of(session, [part.id for part, _, _ in rows])
    balances = repo.balances_of_lots(session, [lot.id for ls in lots.values() for lot in ls])
    out = []
    for part, pool, _ in rows:
        stock = pool_share.stock_summary(lots[part.id], uow.now_ms)
        views = tuple(
            StockBalanceView(
                part.part_number,
                lot.lot_number,
                b.location_id,
                b.quantity,
                QualityStatus(lot.quality_status),
                lot.expiry_date,
            )
            for lot in lots[part.id]
            for b in balances.get(lot.id, [])
        )
        out.append(
            PartPositionView(
                part_number=part.part_number,
                unit_of_measure=part.unit_of_measure,
                quantity_on_hand=stock.on_hand,
                available_quantity=max(0, stock.usable - pool.reserved_quantity),
                reserved_quantity=pool.reserved_quantity,
                blocked_quantity=stock.blocked,
                expired_quantity=stock.expired,
                moving_average_cost_micros=part.moving_average_cost_micros,
                pool_share=pool_share.pool_view(ctx, part, pool),
                balances=views,
            )
        )
    return out


def reconcile(uow: SqlUnitOfWork) -> ReconcileResult:
    """Proves the kept numbers equal what the facts add up to."""
    session = uow.session
    problems: list[str] = []
    names = dict(session.execute(select(Part.id, Part.part_number)).all())
    lot_names = {
        lid: (pid, num)
        for lid, pid, num in session.execute(select(Lot.id, Lot.part_id, Lot.lot_number)).all()
    }

    def where(lot_id: int, location_id: str | None = None) -> str:
        part_id, lot_number = lot_names.get(lot_id, (0, "?"))
        at = f" at {location_id}" if location_id else ""
        return f"part {names.get(part_id, '?')} lot {lot_number}{at}"

    moved = {
        (lot, loc): int(total)
        for lot, loc, total in session.execute(
            select(
                StockMovement.lot_id,
                StockMovement.location_id,
                func.sum(StockMovement.quantity_delta),
            ).group_by(StockMovement.lot_id, StockMovement.location_id)
        ).all()
    }
    kept = {(b.lot_id, b.location_id): b.quantity for b in session.scalars(select(StockBalance))}
    for key in sorted(set(moved) | set(kept), key=str):
        if moved.get(key, 0) != kept.get(key, 0):
            problems.append(
                f"{where(*key)}: balance {kept.get(key, 0)}, movements sum to {moved.get(key, 0)}"
            )
    per_lot: dict[int, int] = defaultdict(int)
    for (lot_id, _), quantity in kept.items():
        per_lot[lot_id] += quantity
    held = dict(
        session.execute(
            select(ReservationLot.lot_id, func.sum(ReservationLot.quantity))
            .join(Reservation, Reservation.reservation_id == ReservationLot.reservation_id)
            .where(Reservation.state == "pending")
            .group_by(ReservationLot.lot_id)
        ).all()
    )
    per_part: dict[int, int] = defaultdict(int)
    for lot in session.scalars(select(Lot)):
        per_part[lot.part_id] += lot.on_hand
        if lot.on_hand != per_lot.get(lot.id, 0):
            problems.append(
                f"{where(lot.id)}: lot on hand {lot.on_hand}, "
                f"balances sum to {per_lot.get(lot.id, 0)}"
            )
        if lot.reserved != int(held.get(lot.id, 0)):
            problems.append(
                f"{where(lot.id)}: lot reserved {lot.reserved}, "
                f"pending holds sum to {held.get(lot.id, 0)}"
            )
    problems += _check_parts(uow, names, per_part)
    problems += _check_journal(uow)
    count = session.scalar(select(func.count()).select_from(StockMovement)) or 0
    return ReconcileResult(not problems, tuple(problems), int(count))


def _check_parts(uow: SqlUnitOfWork, names: dict[int, str], on_hand: dict[int, int]) -> list[str]:
    session = uow.session
    problems = []
    pending = defaultdict(int)
    for part_id, source, total in session.execute(
        select(ReservationLine.part_id, ReservationLine.source, func.sum(ReservationLine.quantity))
        .join(Reservation, Reservation.reservation_id == ReservationLine.reservation_id)
        .where(Reservation.state == "pending")
        .group_by(ReservationLine.part_id, ReservationLine.source)
    ).all():
        pending[(part_id, source)] = int(total)
    for part, pool in session.execute(
        select(Part, PartPool).join(PartPool, PartPool.part_id == Part.id)
    ).all():
        if part.valuated_quantity != on_hand.get(part.id, 0):
            problems.append(
                f"part {part.part_number}: valuated quantity "
                f"{part.valuated_quantity}, lots hold {on_hand.get(part.id, 0)}"
            )
        if pool.reserved_quantity != pending[(part.id, "stock")]:
            problems.append(
                f"part {part.part_number}: pool reserved {pool.reserved_quantity}, "
                f"pending stock lines sum to {pending[(part.id, 'stock')]}"
            )
        if pool.production_reserved_quantity != pending[(part.id, "production")]:
            problems.append(
                f"part {part.part_number}: production reserved "
                f"{pool.production_reserved_quantity}, pending production lines "
                f"sum to {pending[(part.id, 'production')]}"
            )
        if pool.free_quantity > pool.contributed_quantity:
            problems.append(
                f"part {part.part_number}: free {pool.free_quantity} exceeds "
                f"contributed {pool.contributed_quantity}"
            )
    return problems


def _check_journal(uow: SqlUnitOfWork) -> list[str]:
    problems = []
    for movement_id, debit, credit in uow.session.execute(
        select(
            JournalLine.movement_id,
            func.sum(JournalLine.debit_micros),
            func.sum(JournalLine.credit_micros),
        )
        .group_by(JournalLine.movement_id)
        .having(func.sum(JournalLine.debit_micros) != func.sum(JournalLine.credit_micros))
    ).all():
        problems.append(f"journal of movement {movement_id}: debits {debit} != credits {credit}")
    session = uow.session
    booked = session.scalar(
        select(
            func.coalesce(func.sum(JournalLine.debit_micros - JournalLine.credit_micros), 0)
        ).where(JournalLine.account == INVENTORY)
    )
    valued = session.scalar(select(func.coalesce(func.sum(Part.stock_value_micros), 0)))
    if int(booked or 0) != int(valued or 0):
        problems.append(
            f"inventory account {booked} micros differs from the stock valuation {valued} micros"
        )
    return problems
