"""Confirming a reservation: its stock lines become a sales order, shipped from the held lots."""

from __future__ import annotations

from collections import defaultdict

from node.adapters.orm import Lot, ReservationLot, TradeDocumentLine
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain.clock import utc_date
from node.domain.reservation import confirm_transition
from node.service import ledger as L
from node.service import pool as pool_share
from node.service import reservations as R
from node.service.api import (
    MovementView,
    PreconditionFailed,
    ReservationState,
    ReservationView,
    SupplySource,
)
from node.service.context import ALLIANCE_ACTOR, NodeContext
from node.service.stock import book_sale


def sales_order_number(reservation_id: str) -> str:
    return f"SO-{reservation_id}"


def confirm(uow: SqlUnitOfWork, ctx: NodeContext, reservation_id: str) -> ReservationView:
    loaded, rows = R.lock_reservation(uow, reservation_id)
    reservation = loaded.reservation
    if not confirm_transition(
        reservation.reservation_id,
        ReservationState(reservation.state),
        reservation.expires_at_ms,
        uow.now_ms,
    ):
        return R.view_of(ctx, loaded)
    _check_held_lots(loaded.holds, uow.now_ms, reservation.reservation_id)
    order = sales_order_number(reservation.reservation_id)
    movement_id = f"confirm:{reservation.reservation_id}"
    L.remember(uow, movement_id, "reservation confirmation", reservation.payload_hash, None)
    holds: dict[str, list[tuple[ReservationLot, Lot]]] = defaultdict(list)
    for hold, lot in loaded.holds:
        holds[hold.line_id].append((hold, lot))
    receivable = cogs = 0
    line_no = 1
    movements: list[MovementView] = []
    for line in loaded.lines:
        part, pool, _ = rows[line.part_number]
        customer = line.destination or ALLIANCE_ACTOR
        if line.source == SupplySource.PRODUCTION.value:
            pool.production_reserved_quantity -= line.quantity
            uow.session.add(
                TradeDocumentLine(
                    document_type="sales_order",
                    document_number=order,
                    counterparty_id=customer,
                    movement_id=movement_id,
                    part_id=part.id,
                    quantity=line.quantity,
                    unit_price_micros=line.unit_price_micros,
                    currency=line.currency,
                    source="production",
                    booked_at_ms=uow.now_ms,
                )
            )
            continue
        picks = [(lot, hold.quantity) for hold, lot in holds[line.line_id]]
        for lot, quantity in picks:
            lot.reserved -= quantity
        pool.reserved_quantity -= line.quantity
        result = book_sale(
            uow,
            ctx,
            part=part,
            picks=picks,
            movement_id=movement_id,
            sales_order_number=order,
            customer_id=customer,
            unit_price_micros=line.unit_price_micros,
            actor=ALLIANCE_ACTOR,
            first_line_no=line_no,
            reason=f"alliance reservation {reservation.reservation_id}",
        )
        line_no += len(result.movements)
        movements.extend(result.movements)
        receivable += result.receivable_micros
        cogs += result.cost_of_goods_sold_micros
    reservation.state = ReservationState.CONFIRMED.value
    reservation.state_changed_at_ms = uow.now_ms
    reservation.sales_order_number = order
    view = R.view_of(ctx, loaded)
    uow.record(
        "reservation.confirmed",
        "reservation",
        reservation.reservation_id,
        {
            "reservation": view,
            "sales_order_number": order,
            "movements": movements,
            "receivable_micros": receivable,
            "cost_of_goods_sold_micros": cogs,
        },
        actor=ALLIANCE_ACTOR,
    )
    # The cause first, then the pool-share change it made.
    R.publish_pools(uow, ctx, rows.values(), actor=ALLIANCE_ACTOR)
    return view


def _check_held_lots(
    holds: list[tuple[ReservationLot, Lot]], now_ms: int, reservation_id: str
) -> None:
    """A held lot may have been blocked, expired or counted short since it was reserved."""
    today = utc_date(now_ms)
    problems = []
    for hold, lot in holds:
        stock = pool_share.lot_stock(lot)
        if not stock.is_released():
            problems.append(f"lot {lot.lot_number} is {lot.quality_status}")
        elif stock.is_expired(today):
            problems.append(f"lot {lot.lot_number} expired on {lot.expiry_date}")
        elif lot.on_hand < hold.quantity:
            problems.append(
                f"lot {lot.lot_number} holds {lot.on_hand} on hand, {hold.quantity} reserved"
            )
    if problems:
        raise PreconditionFailed(
            f"reservation {reservation_id} cannot ship: "
            + "; ".join(problems)
            + "; release it and reserve again"
        )
