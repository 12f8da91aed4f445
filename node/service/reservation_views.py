"""Reservations as callers see them: loading a reservation with its lines and lot holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from node.adapters import repository as repo
from node.adapters.orm import (
    Capacity,
    Lot,
    Part,
    PartPool,
    Reservation,
    ReservationLine,
    ReservationLot,
)
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.lots import fefo_key
from node.service import pool as pool_share
from node.service.api import (
    LotPick,
    NotFound,
    ReservationState,
    ReservationView,
    ReservedLineView,
    SupplySource,
)
from node.service.context import NodeContext

PartRow = tuple[Part, PartPool, Capacity | None]


def pick_view(lot: Lot, quantity: int) -> LotPick:
    return LotPick(lot.lot_number, quantity, lot.expiry_date, lot.production_date)


def view(
    ctx: NodeContext, reservation: Reservation, lines: tuple[ReservedLineView, ...]
) -> ReservationView:
    return ReservationView(
        reservation_id=reservation.reservation_id,
        plan_id=reservation.plan_id,
        demand_id=reservation.demand_id,
        member_id=ctx.member_id,
        state=ReservationState(reservation.state),
        lines=lines,
        created_at_ms=reservation.created_at_ms,
        expires_at_ms=reservation.expires_at_ms,
        state_changed_at_ms=reservation.state_changed_at_ms,
        sales_order_number=reservation.sales_order_number,
    )


@dataclass(frozen=True)
class Loaded:
    reservation: Reservation
    lines: list[ReservationLine]
    holds: list[tuple[ReservationLot, Lot]]


def load(uow: SqlUnitOfWork, reservation: Reservation) -> Loaded:
    session = uow.session
    ids = [reservation.reservation_id]
    return Loaded(
        reservation, repo.reservation_lines(session, ids), repo.reservation_holds(session, ids)
    )


def view_of(ctx: NodeContext, loaded: Loaded) -> ReservationView:
    holds: dict[str, list[tuple[ReservationLot, Lot]]] = defaultdict(list)
    for hold, lot in loaded.holds:
        holds[hold.line_id].append((hold, lot))
    lines = []
    for line in loaded.lines:
        line_holds = sorted(holds[line.line_id], key=lambda h: fefo_key(pool_share.lot_stock(h[1])))
        lines.append(
            ReservedLineView(
                line.line_id,
                line.part_number,
                line.quantity,
                line.unit_of_measure,
                SupplySource(line.source),
                tuple(pick_view(lot, hold.quantity) for hold, lot in line_holds),
                line.unit_price_micros,
                line.currency,
            )
        )
    return view(ctx, loaded.reservation, tuple(lines))


def load_view(uow: SqlUnitOfWork, ctx: NodeContext, reservation: Reservation) -> ReservationView:
    return view_of(ctx, load(uow, reservation))


def get(uow: SqlUnitOfWork, ctx: NodeContext, reservation_id: str) -> ReservationView:
    reservation = uow.session.get(Reservation, v.reservation_id(reservation_id))
    if reservation is None:
        raise NotFound(f"reservation {reservation_id} does not exist")
    return load_view(uow, ctx, reservation)


def lock_reservation(uow: SqlUnitOfWork, reservation_id: str) -> tuple[Loaded, dict[str, PartRow]]:
    """The reservation, read again after its parts are locked (its state is stable from then)."""
    session = uow.session
    reservation_id = v.reservation_id(reservation_id)
    lines = repo.reservation_lines(session, [reservation_id])
    if not lines:
        raise NotFound(f"reservation {reservation_id} does not exist")
    rows = repo.lock_parts(session, {line.part_number for line in lines})
    (reservation,) = repo.reservations(session, [reservation_id])
    holds = repo.reservation_holds(session, [reservation_id])
    return Loaded(reservation, lines, holds), rows
