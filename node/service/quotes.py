"""Quotes: what this node could offer for demand lines now. Reads only; holds nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select

from node.adapters import repository as repo
from node.adapters.orm import Lot, Reservation, ReservationLot, ShippingLane
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.capacity import producible_quantity, production_ready_at_ms
from node.domain.clock import utc_date
from node.domain.lots import pick_fefo
from node.domain.pool_share import shortfall_note
from node.service import pool as pool_share
from node.service.api import DemandLineIn, LotPick, QuoteLineView, QuoteView
from node.service.context import NodeContext
from node.service.pricing import line_price
from node.service.production import capacity_of, production_note
from node.service.reservation_views import PartRow


def validate_lines(demand_id: str, lines: Sequence[DemandLineIn]) -> None:
    v.optional_code(demand_id, "demand id")
    v.line_count(len(lines))
    v.unique_line_ids(line.line_id for line in lines)
    for line in lines:
        v.part_number(line.part_number)
        v.positive_quantity(line.quantity, f"quantity of line {line.line_id}")
        v.unit_code(line.unit_of_measure)
        v.non_negative(line.due_at_ms, f"due time of line {line.line_id}")
        v.optional_code(line.destination, f"destination of line {line.line_id}")


class _Offer:
    """Stock and capacity of the quoted parts, used up line by line within one quote."""

    def __init__(self, uow: SqlUnitOfWork, lines: Sequence[DemandLineIn]) -> None:
        session = uow.session
        self.uow = uow
        self.now_ms = uow.now_ms
        numbers = {line.part_number for line in lines}
        self.rows: dict[str, PartRow] = {
            row[0].part_number: row for row in repo.parts(session, numbers)
        }
        part_ids = [part.id for part, _, _ in self.rows.values()]
        self.lots = repo.lots_of(session, part_ids)
        _forget_overdue_holds(uow, self.rows, self.lots)
        self.outstanding = repo.outstanding_production(session, part_ids, self.now_ms)
        self.lanes = repo.lanes(session, {line.destination for line in lines if line.destination})
        self.given: dict[int, int] = defaultdict(int)  # stock offered to earlier lines


def quote(
    uow: SqlUnitOfWork, ctx: NodeContext, demand_id: str, lines: Sequence[DemandLineIn]
) -> QuoteView:
    validate_lines(demand_id, lines)
    offer = _Offer(uow, lines)
    for line in lines:
        if line.part_number in offer.rows:
            part = offer.rows[line.part_number][0]
            v.same_unit(line.unit_of_measure, part.unit_of_measure, part.part_number)
    quoted = tuple(
        _quote_line(ctx, offer, line)
        if line.part_number in offer.rows
        else _unknown_part(ctx, line)
        for line in lines
    )
    return QuoteView(ctx.member_id, demand_id, quoted, uow.now_ms)


def _quote_line(ctx: NodeContext, offer: _Offer, line: DemandLineIn) -> QuoteLineView:
    part, pool, capacity = offer.rows[line.part_number]
    now = offer.now_ms
    part_lots = offer.lots[part.id]
    stock = pool_share.stock_summary(part_lots, now)
    numbers = pool_share.current_numbers(offer.uow, pool, stock)
    already = offer.given[part.id]
    stock_qty = min(line.quantity, max(0, numbers.free - already))
    fefo = pick_fefo(
        [pool_share.lot_stock(lot) for lot in part_lots], already + stock_qty, utc_date(now)
    )
    offer.given[part.id] += stock_qty

    lane: ShippingLane | None = offer.lanes.get(line.destination)
    transit = lane.transit_time_hours if lane else 0
    rule = capacity_of(capacity)
    queued = offer.outstanding.get(part.id, 0)
    # Production is offered beside stock (the planner chooses), up to the quantity asked.
    producible = min(
        line.quantity,
        producible_quantity(
            rule, now_ms=now, due_at_ms=line.due_at_ms, transit_hours=transit, outstanding=queued
        ),
    )
    from_production = min(producible, line.quantity - stock_qty)
    ship_at = now if stock_qty else 0
    if from_production > 0 and rule is not None:
        ship_at = production_ready_at_ms(
            rule, now_ms=now, outstanding=queued, quantity=from_production
        )
        offer.outstanding[part.id] = queued + from_production
    shortfall = ""
    if stock_qty + producible < line.quantity:
        shortfall = "; ".join(
            [
                shortfall_note(line.quantity, numbers, stock, part.part_number),
                f"production by the due time: {producible} ("
                + production_note(capacity, transit, queued)
                + ")",
            ]
        )
    price, currency = line_price(ctx, part, capacity)
    return QuoteLineView(
        line_id=line.line_id,
        part_number=part.part_number,
        unit_of_measure=part.unit_of_measure,
        stock_quantity=stock_qty,
        producible_quantity=producible,
        unit_price_micros=price,
        currency=currency,
        earliest_ship_at_ms=ship_at,
        lots=_after(fefo, already),
        capacity_per_day=capacity.capacity_per_day if capacity else 0,
        lead_time_days=capacity.lead_time_days if capacity else 0,
        shipping_cost_per_unit_micros=lane.shipping_cost_per_unit_micros if lane else 0,
        shipment_fixed_cost_micros=lane.shipment_fixed_cost_micros if lane else 0,
        transit_time_hours=transit,
        contributed_quantity=numbers.contributed,
        shortfall_reason=shortfall,
    )


def _after(picks: Sequence[LotPick], skipped: int) -> tuple[LotPick, ...]:
    """The picks left once the first `skipped` units went to earlier lines of the quote."""
    out = []
    for pick in picks:
        if skipped >= pick.quantity:
            skipped -= pick.quantity
            continue
        out.append(
            LotPick(
                pick.lot_number, pick.quantity - skipped, pick.expiry_date, pick.production_date
            )
        )
        skipped = 0
    return tuple(out)


def _unknown_part(ctx: NodeContext, line: DemandLineIn) -> QuoteLineView:
    return QuoteLineView(
        line_id=line.line_id,
        part_number=line.part_number,
        unit_of_measure=line.unit_of_measure,
        stock_quantity=0,
        producible_quantity=0,
        unit_price_micros=0,
        currency=ctx.currency,
        earliest_ship_at_ms=0,
        lots=(),
        capacity_per_day=0,
        lead_time_days=0,
        shipping_cost_per_unit_micros=0,
        shipment_fixed_cost_micros=0,
        transit_time_hours=0,
        contributed_quantity=0,
        shortfall_reason=f"unknown part: {line.part_number} is not carried by this node",
    )


def _forget_overdue_holds(
    uow: SqlUnitOfWork, rows: dict[str, PartRow], lots: dict[int, list[Lot]]
) -> None:
    """Holds whose time ran out but are not swept yet are not held: count them as free.

    Only the in-memory copies change; a quote's session is rolled back, never committed.
    """
    now = uow.now_ms
    pools = {
        pool.part_id: pool
        for _, pool, _ in rows.values()
        if pool.next_hold_expiry_at_ms is not None and pool.next_hold_expiry_at_ms <= now
    }
    if not pools:
        return
    overdue = uow.session.execute(
        select(ReservationLot.lot_id, func.sum(ReservationLot.quantity))
        .join(Reservation, Reservation.reservation_id == ReservationLot.reservation_id)
        .join(Lot, Lot.id == ReservationLot.lot_id)
        .where(
            Reservation.state == "pending",
            Reservation.expires_at_ms <= now,
            Lot.part_id.in_(list(pools)),
        )
        .group_by(ReservationLot.lot_id)
    ).all()
    by_id = {lot.id: lot for part_lots in lots.values() for lot in part_lots}
    for lot_id, quantity in overdue:
        lot = by_id.get(lot_id)
        if lot is not None:
            lot.reserved -= int(quantity)
            pools[lot.part_id].reserved_quantity -= int(quantity)
