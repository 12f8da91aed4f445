"""Ending holds: releasing a reservation, and expiring those whose time-to-live ran out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from node.adapters import repository as repo
from node.adapters.orm import Lot, Part, ReservationLine, ReservationLot
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.reservation import is_overdue, release_transition
from node.service import pool as pool_share
from node.service.api import ReservationState, ReservationView, SupplySource
from node.service.context import ALLIANCE_ACTOR, SWEEPER_ACTOR, NodeContext
from node.service.reservation_views import Loaded, PartRow, lock_reservation, view_of

EXPIRE_BATCH = 200  # reservations expired per transaction


def end_holds(
    uow: SqlUnitOfWork,
    loaded: Loaded,
    rows: dict[str, PartRow],
    state: ReservationState,
    reason: str,
) -> None:
    """Give a pending reservation's units back and move it to released or expired."""
    for hold, lot in loaded.holds:
        lot.reserved -= hold.quantity
    for line in loaded.lines:
        pool = rows[line.part_number][1]
        if line.source == SupplySource.STOCK.value:
            pool.reserved_quantity -= line.quantity
        else:
            pool.production_reserved_quantity -= line.quantity
    reservation = loaded.reservation
    reservation.state = state.value
    reservation.state_changed_at_ms = uow.now_ms
    reservation.state_reason = reason[:256]


def release(
    uow: SqlUnitOfWork, ctx: NodeContext, reservation_id: str, reason: str
) -> ReservationView:
    v.text(reason, "release reason")
    loaded, rows = lock_reservation(uow, reservation_id)
    reservation = loaded.reservation
    target = release_transition(
        reservation.reservation_id,
        ReservationState(reservation.state),
        reservation.expires_at_ms,
        uow.now_ms,
    )
    if target is None:
        return view_of(ctx, loaded)
    end_holds(uow, loaded, rows, target, reason or target.value)
    view = view_of(ctx, loaded)
    uow.record(
        f"reservation.{target.value}",
        "reservation",
        reservation.reservation_id,
        {"reservation": view, "reason": reason},
        actor=ALLIANCE_ACTOR,
    )
    # The cause first, then the pool-share change it made.
    publish_pools(uow, ctx, rows.values(), actor=ALLIANCE_ACTOR)
    return view


def publish_pools(
    uow: SqlUnitOfWork, ctx: NodeContext, rows: Iterable[PartRow], *, actor: str
) -> None:
    uow.session.flush()
    part_rows = list(rows)
    lots = repo.lots_of(uow.session, [part.id for part, _, _ in part_rows])
    for part, pool, _ in part_rows:
        pool_share.refresh(uow, ctx, part, pool, lots[part.id], actor=actor)


def expire_overdue(uow: SqlUnitOfWork, ctx: NodeContext, part_ids: set[int] | None = None) -> int:
    """Expire pending reservations whose time-to-live ran out (optionally only on some parts)."""
    session = uow.session
    now = uow.now_ms
    ids = repo.overdue_reservation_ids(session, now, part_ids or (), EXPIRE_BATCH)
    lines = repo.reservation_lines(session, ids) if ids else []
    numbers = {line.part_number for line in lines}
    if part_ids:
        numbers |= {p.part_number for p in session.query(Part).filter(Part.id.in_(part_ids))}
    rows = repo.lock_parts(session, numbers)
    expired = 0
    by_id: dict[str, list[ReservationLine]] = defaultdict(list)
    for line in lines:
        by_id[line.reservation_id].append(line)
    holds: dict[str, list[tuple[ReservationLot, Lot]]] = defaultdict(list)
    for hold, lot in repo.reservation_holds(session, ids) if ids else []:
        holds[hold.reservation_id].append((hold, lot))
    for reservation in repo.reservations(session, ids) if ids else []:
        if not is_overdue(ReservationState(reservation.state), reservation.expires_at_ms, now):
            continue  # confirmed or released meanwhile
        loaded = Loaded(
            reservation, by_id[reservation.reservation_id], holds[reservation.reservation_id]
        )
        end_holds(uow, loaded, rows, ReservationState.EXPIRED, "time-to-live ran out")
        uow.record(
            "reservation.expired",
            "reservation",
            reservation.reservation_id,
            {"reservation": view_of(ctx, loaded), "reason": "time-to-live ran out"},
            actor=SWEEPER_ACTOR,
        )
        expired += 1
    session.flush()
    if rows:
        next_expiry = repo.next_hold_expiry(session, [part.id for part, _, _ in rows.values()])
        for part, pool, _ in rows.values():
            pool.next_hold_expiry_at_ms = next_expiry.get(part.id)
    publish_pools(uow, ctx, rows.values(), actor=SWEEPER_ACTOR)
    return expired
