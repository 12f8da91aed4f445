"""Turns flow quantities into shipments with ship and arrival times.

Production is scheduled earliest deadline first: the units a flow needs are made right after
those of every flow with an earlier deadline, and the shipment leaves at the end of the day its
last unit is made. The cumulative capacity rows guarantee this meets every flow's deadline.
"""

from __future__ import annotations

from optimizer.flows import Flow, PartProblem
from optimizer.plan import Allocation
from optimizer.request import DAY_MS, HOUR_MS


def _allocation(problem: PartProblem, f: Flow, quantity: int, ship_at: int) -> Allocation:
    line, offer = problem.lines[f.line], problem.offers[f.offer]
    lane = offer.lane_to(line.destination)
    assert lane is not None
    arrival = ship_at + lane.transit_time_hours * HOUR_MS
    shipping = quantity * f.shipping_per_unit
    return Allocation(
        line_id=line.line_id, part_number=problem.part_number, supplier_id=offer.supplier_id,
        quantity=quantity, source=f.source, ship_at=ship_at, arrival_at=arrival,
        late=arrival > line.due_at, unit_price_micros=f.unit_price,
        shipping_cost_micros=shipping, shipment_fixed_cost_micros=f.fixed_cost,
        landed_cost_micros=quantity * f.unit_price + shipping + f.fixed_cost,
    )


def production_order(problem: PartProblem, f: Flow) -> tuple[int, int, str, bool]:
    line = problem.lines[f.line]
    return (f.deadline_days, line.due_at, line.line_id, f.late)


def schedule(problem: PartProblem, quantities: dict[int, int]) -> list[Allocation]:
    """quantities: flow index -> units (only positive entries matter)."""
    allocations: list[Allocation] = []
    production: dict[int, list[Flow]] = {}
    for index in sorted(quantities):
        quantity = quantities[index]
        if quantity <= 0:
            continue
        f = problem.flows[index]
        if f.source == "stock":
            allocations.append(_allocation(problem, f, quantity, f.ship_at))
        else:
            production.setdefault(f.offer, []).append(f)
    for oi, flows in sorted(production.items()):
        per_day = problem.offers[oi].capacity_per_day
        start = problem.production_start(oi)
        made = 0
        for f in sorted(flows, key=lambda f: production_order(problem, f)):
            made += quantities[f.index]
            days = -(-made // per_day)
            allocations.append(_allocation(problem, f, quantities[f.index], start + days * DAY_MS))
    allocations.sort(key=lambda a: (a.line_id, a.supplier_id, a.source, a.ship_at))
    return allocations
