"""Queries the use cases share. Locks are taken here, always in one order (sorted part numbers)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from node.adapters.orm import (
    Capacity,
    Location,
    Lot,
    NodeIdentity,
    Part,
    PartPool,
    Reservation,
    ReservationLine,
    ReservationLot,
    ShippingLane,
    StockBalance,
)


def one_of(
    session: Session, column: InstrumentedAttribute[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL the values travel as one array parameter, so the
    statement text and its prepared plan are the same whatever their number, and are read
    through `unnest`: a generic plan of `column = ANY($1)` would compare every row with every
    element, while `IN (SELECT unnest($1))` probes the column's index once per value."""
    if session.get_bind().dialect.name == "postgresql":
        return _in_array(column, bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _in_array(column: InstrumentedAttribute[Any], array: BindParameter[Any]) -> ColumnElement[bool]:
    return column.in_(select(func.unnest(array)).scalar_subquery())


def _in_values(column: InstrumentedAttribute[Any], dialect: str) -> ColumnElement[bool]:
    """`one_of` for a statement built once: the values come as the bound parameter `values`."""
    if dialect == "postgresql":
        return _in_array(column, bindparam("values", type_=ARRAY(column.type)))
    return column.in_(bindparam("values", expanding=True))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# Where `lock_parts` leaves the node's pool fraction it read with the locks (session.info):
# the unit of work then needs no statement of its own for it.
POOL_FRACTION = "pool_fraction"

# The hot statements below are built once per dialect: building a select costs about as much
# CPU as running it (a reserve batch runs each of them once).


@functools.cache
def _lock_parts(dialect: str) -> Select[Any]:
    fraction = select(NodeIdentity.pool_fraction).where(NodeIdentity.id == 1).scalar_subquery()
    return (
        select(Part, PartPool, Capacity, fraction)
        .join(PartPool, PartPool.part_id == Part.id)
        .outerjoin(Capacity, Capacity.part_id == Part.id)
        .where(_in_values(Part.part_number, dialect))
        .order_by(Part.part_number)
        .with_for_update(of=[Part, PartPool])
    )


@functools.cache
def _lots_of(dialect: str) -> Select[Any]:
    return (
        select(Lot)
        .where(_in_values(Lot.part_id, dialect), or_(Lot.on_hand > 0, Lot.reserved > 0))
        .order_by(Lot.part_id, Lot.id)
    )


@functools.cache
def _reservations(dialect: str) -> Select[Any]:
    return (
        select(Reservation)
        .where(_in_values(Reservation.reservation_id, dialect))
        .execution_options(populate_existing=True)
    )


def identity(session: Session) -> NodeIdentity | None:
    return session.get(NodeIdentity, 1)


def lock_parts(
    session: Session, part_numbers: Iterable[str]
) -> dict[str, tuple[Part, PartPool, Capacity | None]]:
    """Parts with their part and pool rows locked FOR UPDATE, in sorted order so lockers never
    deadlock.

    Both rows are locked because both are written (valuation on the part, quantities on the
    pool): under READ COMMITTED a waiter re-reads only the rows it locked, so an unlocked part
    row would come back as it was before the previous holder's commit, and its update would
    overwrite that commit. On SQLite the whole database is already locked by BEGIN IMMEDIATE.
    The node's pool fraction, read in the same statement, is left in `session.info`.
    """
    numbers = sorted(set(part_numbers))
    if not numbers:
        return {}
    rows = session.execute(_lock_parts(_dialect(session)), {"values": numbers}).all()
    if rows:
        session.info[POOL_FRACTION] = rows[0][3]
    return {part.part_number: (part, pool, capacity) for part, pool, capacity, _ in rows}


def parts(
    session: Session, part_numbers: Collection[str] = ()
) -> list[tuple[Part, PartPool, Capacity | None]]:
    stmt = (
        select(Part, PartPool, Capacity)
        .join(PartPool, PartPool.part_id == Part.id)
        .outerjoin(Capacity, Capacity.part_id == Part.id)
        .order_by(Part.part_number)
    )
    if part_numbers:
        stmt = stmt.where(Part.part_number.in_(sorted(set(part_numbers))))
    return [(p, pool, cap) for p, pool, cap in session.execute(stmt).all()]


def lots_of(session: Session, part_ids: Collection[int]) -> dict[int, list[Lot]]:
    """Lots that have stock or holds (depleted lots no longer matter)."""
    result: dict[int, list[Lot]] = defaultdict(list)
    if not part_ids:
        return result
    for lot in session.scalars(_lots_of(_dialect(session)), {"values": list(part_ids)}):
        result[lot.part_id].append(lot)
    return result


def lot(session: Session, part_id: int, lot_number: str) -> Lot | None:
    return session.scalars(
        select(Lot).where(Lot.part_id == part_id, Lot.lot_number == lot_number)
    ).one_or_none()


def balance(session: Session, lot_id: int, location_id: str) -> StockBalance | None:
    return session.scalars(
        select(StockBalance).where(
            StockBalance.lot_id == lot_id, StockBalance.location_id == location_id
        )
    ).one_or_none()


def balances_of_lots(session: Session, lot_ids: Collection[int]) -> dict[int, list[StockBalance]]:
    """Stocked balances per lot, in location order (the pick sequence within a lot)."""
    result: dict[int, list[StockBalance]] = defaultdict(list)
    if not lot_ids:
        return result
    for row in session.scalars(
        select(StockBalance)
        .where(StockBalance.lot_id.in_(lot_ids), StockBalance.quantity > 0)
        .order_by(StockBalance.lot_id, StockBalance.location_id)
    ):
        result[row.lot_id].append(row)
    return result


def existing_locations(session: Session, location_ids: Collection[str]) -> set[str]:
    return set(
        session.scalars(select(Location.location_id).where(Location.location_id.in_(location_ids)))
    )


def lanes(session: Session, destinations: Collection[str]) -> dict[str, ShippingLane]:
    if not destinations:
        return {}
    return {
        lane.destination: lane
        for lane in session.scalars(
            select(ShippingLane).where(ShippingLane.destination.in_(destinations))
        )
    }


def outstanding_production(
    session: Session, part_ids: Collection[int], now_ms: int
) -> dict[int, int]:
    """Units promised to production reservations (pending or confirmed) not yet due."""
    if not part_ids:
        return {}
    rows = session.execute(
        select(ReservationLine.part_id, func.sum(ReservationLine.quantity))
        .join(Reservation, Reservation.reservation_id == ReservationLine.reservation_id)
        .where(
            ReservationLine.part_id.in_(part_ids),
            ReservationLine.source == "production",
            or_(
                (Reservation.state == "pending") & (Reservation.expires_at_ms > now_ms),
                (Reservation.state == "confirmed") & (ReservationLine.due_at_ms > now_ms),
            ),
        )
        .group_by(ReservationLine.part_id)
    ).all()
    return {part_id: int(total) for part_id, total in rows}


def overdue_reservation_ids(
    session: Session, now_ms: int, part_ids: Collection[int] = (), limit: int = 200
) -> list[str]:
    stmt = (
        select(Reservation.reservation_id)
        .where(Reservation.state == "pending", Reservation.expires_at_ms <= now_ms)
        .order_by(Reservation.expires_at_ms, Reservation.reservation_id)
        .limit(limit)
    )
    if part_ids:
        stmt = stmt.where(
            Reservation.reservation_id.in_(
                select(ReservationLine.reservation_id).where(ReservationLine.part_id.in_(part_ids))
            )
        )
    return list(session.scalars(stmt))


def reservation_lines(session: Session, reservation_ids: Collection[str]) -> list[ReservationLine]:
    return list(
        session.scalars(
            select(ReservationLine)
            .where(ReservationLine.reservation_id.in_(reservation_ids))
            .order_by(ReservationLine.reservation_id, ReservationLine.line_no)
        )
    )


def reservation_holds(
    session: Session, reservation_ids: Collection[str]
) -> list[tuple[ReservationLot, Lot]]:
    return [
        (hold, lot_row)
        for hold, lot_row in session.execute(
            select(ReservationLot, Lot)
            .join(Lot, Lot.id == ReservationLot.lot_id)
            .where(ReservationLot.reservation_id.in_(reservation_ids))
        ).all()
    ]


def reservations(session: Session, reservation_ids: Collection[str]) -> list[Reservation]:
    values = list(reservation_ids)
    return list(session.scalars(_reservations(_dialect(session)), {"values": values}))


def next_hold_expiry(session: Session, part_ids: Collection[int]) -> dict[int, int]:
    """Earliest expiry of a pending reservation per part."""
    rows = session.execute(
        select(ReservationLine.part_id, func.min(Reservation.expires_at_ms))
        .join(Reservation, Reservation.reservation_id == ReservationLine.reservation_id)
        .where(ReservationLine.part_id.in_(part_ids), Reservation.state == "pending")
        .group_by(ReservationLine.part_id)
    ).all()
    return {part_id: int(at) for part_id, at in rows}
