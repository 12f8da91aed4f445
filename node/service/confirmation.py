"""Confirming a reservation: its stock lines become a sales order, shipped from the held lots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from node.adapters import repository as repo
from node.adapters.orm import Lot, ReservationLot, TradeDocumentLine
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain.clock import utc_date
from node.domain.lots import LotStock, fefo_key
from node.domain.reservation import confirm_transition
from node.service import holds
from node.service import ledger as L
from node.service import pool as pool_share
from node.service import reservation_views as R
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
    shipping = _lots_to_ship(uow, loaded, rows)
    order = sales_order_number(reservation.reservation_id)
    movement_id = f"confirm:{reservation.reservation_id}"
    L.remember(uow, movement_id, "reservation confirmation", reservation.payload_hash, None)
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
        pool.reserved_quantity -= line.quantity
        result = book_sale(
            uow,
            ctx,
            part=part,
            picks=shipping[line.line_id],
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
    holds.publish_pools(uow, ctx, rows.values(), actor=ALLIANCE_ACTOR)
    return view


def _lots_to_ship(
    uow: SqlUnitOfWork, loaded: R.Loaded, rows: dict[str, R.PartRow]
) -> dict[str, list[tuple[Lot, int]]]:
    """The lots each stock line ships: its held lots, and for any part of a hold that was
    blocked, expired or counted short since, other free lots first-expiry-first.

    Ends every hold of the reservation (in this transaction); refuses when the line cannot be
    made whole.
    """
    today = utc_date(uow.now_ms)
    for hold, lot in loaded.holds:
        lot.reserved -= hold.quantity
    holds: dict[str, list[tuple[ReservationLot, Lot]]] = defaultdict(list)
    for hold, lot in loaded.holds:
        holds[hold.line_id].append((hold, lot))
    stock_lines = [line for line in loaded.lines if line.source == SupplySource.STOCK.value]
    lots = repo.lots_of(uow.session, {rows[line.part_number][0].id for line in stock_lines})
    taken: dict[int, int] = defaultdict(int)
    shipping: dict[str, list[tuple[Lot, int]]] = {}
    for line in stock_lines:
        picks: list[tuple[Lot, int]] = []
        problems: list[str] = []
        for hold, lot in sorted(holds[line.line_id], key=lambda h: _fefo(h[1])):
            stock = pool_share.lot_stock(lot)
            usable = lot.on_hand - taken[lot.id] if stock.is_available(today) else 0
            take = max(0, min(hold.quantity, usable))
            if take:
                picks.append((lot, take))
                taken[lot.id] += take
            if take < hold.quantity:
                problems.append(_why_short(lot, stock, today, hold.quantity - take))
        short = missing = line.quantity - sum(q for _, q in picks)
        for lot in sorted(lots[rows[line.part_number][0].id], key=_fefo):
            if missing == 0:
                break
            free = pool_share.lot_stock(lot).free(today) - taken[lot.id]
            take = max(0, min(free, missing))
            if take:
                picks.append((lot, take))
                taken[lot.id] += take
                missing -= take
        if missing:
            raise PreconditionFailed(
                f"reservation {loaded.reservation.reservation_id} line {line.line_id} cannot "
                f"ship {line.quantity} of part {line.part_number}: "
                + "; ".join(problems)
                + f"; other free lots cover only {short - missing} of the {short} missing;"
                " release it and reserve again"
            )
        shipping[line.line_id] = picks
    return shipping


def _fefo(lot: Lot) -> tuple[bool, object, str]:
    return fefo_key(pool_share.lot_stock(lot))


def _why_short(lot: Lot, stock: LotStock, today: date, short: int) -> str:
    if not stock.is_released():
        return f"held lot {lot.lot_number} is {lot.quality_status}"
    if stock.is_expired(today):
        return f"held lot {lot.lot_number} expired on {lot.expiry_date}"
    return f"held lot {lot.lot_number} is {short} short (on hand {lot.on_hand})"
