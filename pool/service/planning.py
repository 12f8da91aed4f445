"""From node quotes to the optimizer's input, and from its plan back to allocations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.plan import Plan
from optimizer.request import DemandLine, Lane, Offer, PlanRequest, Policy
from optimizer.solver import solve
from pool.adapters.node_client import QuoteLineData
from pool.service.api import DemandLineIn


@dataclass(frozen=True)
class History:
    """What the coordinator learnt from earlier plans, per member."""

    reliability_permille: Mapping[str, int]
    drawn: Mapping[tuple[str, str], int]  # (member, part) -> confirmed units drawn


def reliability_permille(confirmed: int, failed: int) -> int:
    """Laplace-smoothed share of holds that ended confirmed: a newcomer starts at 1000."""
    if confirmed + failed == 0:
        return 1000
    return (1000 * (confirmed + 1)) // (confirmed + failed + 1)


def offers_from_quotes(
    quotes: Mapping[str, Sequence[QuoteLineData]],
    lines: Sequence[DemandLineIn],
    history: History,
) -> tuple[Offer, ...]:
    destination_of = {line.line_id: line.destination for line in lines}
    grouped: dict[tuple[str, str], list[QuoteLineData]] = defaultdict(list)
    for member_id, quote_lines in quotes.items():
        for q in quote_lines:
            grouped[(member_id, q.part_number)].append(q)
    offers = []
    for (member_id, part), qs in sorted(grouped.items()):
        if not any(q.stock_quantity > 0 or q.producible_quantity > 0 for q in qs):
            continue
        # Every line the member quoted tells its lane to that line's destination, also a
        # line that got nothing because an earlier line of the same part took the stock.
        lanes = {}
        for q in qs:
            destination = destination_of.get(q.line_id)
            if destination is not None and destination not in lanes:
                lanes[destination] = Lane(
                    destination=destination,
                    shipping_cost_per_unit_micros=q.shipping_cost_per_unit_micros,
                    shipment_fixed_cost_micros=q.shipment_fixed_cost_micros,
                    transit_time_hours=q.transit_time_hours,
                )
        first = qs[0]
        offers.append(
            Offer(
                supplier_id=member_id,
                part_number=part,
                # A node hands out its free stock across the lines of one quote in turn
                # (each line gets what the earlier ones left), so the sum is what it has free.
                stock_quantity=sum(q.stock_quantity for q in qs),
                # Pooled stock ships now; a quote's earliest_ship_at is when the whole line
                # can ship (production included), which the optimizer derives from capacity.
                stock_ready_at=None,
                capacity_per_day=first.capacity_per_day,
                lead_time_days=first.lead_time_days,
                producible_quantity=sum(q.producible_quantity for q in qs),
                unit_price_micros=first.unit_price_micros,
                reliability_permille=history.reliability_permille.get(member_id, 1000),
                contributed_quantity=max(q.contributed_quantity for q in qs),
                drawn_quantity=history.drawn.get((member_id, part), 0),
                lanes=tuple(lanes.values()),
            )
        )
    return tuple(offers)


def plan_request(
    plan_id: str,
    now_ms: int,
    lines: Sequence[DemandLineIn],
    offers: tuple[Offer, ...],
    time_limit_ms: int,
) -> PlanRequest:
    return PlanRequest(
        plan_id=plan_id,
        now_at=now_ms,
        lines=tuple(
            DemandLine(
                line_id=x.line_id,
                part_number=x.part_number,
                quantity=x.quantity,
                due_at=x.due_at_ms,
                destination=x.destination,
                priority=x.priority,
                allow_partial=x.allow_partial,
                allow_split=x.allow_split,
            )
            for x in lines
        ),
        offers=offers,
        policy=Policy(time_limit_ms=time_limit_ms),
    )


def solve_plan(request: PlanRequest) -> Plan:
    return solve(request)
