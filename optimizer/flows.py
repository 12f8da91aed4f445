"""Candidate flows of one part: every way a supplier can serve a line, with cost and capacity.

A flow is (line, offer, source, lateness tier). Stock ships when it is ready; production ships
at the end of a production day, so a production flow carries a deadline in whole days after
the supplier's production start and shares the supplier's cumulative capacity by that day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from optimizer.plan import Source
from optimizer.request import DAY_MS, HOUR_MS, DemandLine, Offer, PlanRequest, Policy
from optimizer.weights import PartWeights, part_weights, unreliability_per_unit


@dataclass(frozen=True, slots=True)
class Flow:
    index: int
    line: int  # index into PartProblem.lines
    offer: int  # index into PartProblem.offers
    source: Source
    late: bool
    upper: int
    unit_price: int
    shipping_per_unit: int
    unreliability_per_unit: int
    late_per_unit: int  # already multiplied by the line's priority
    fixed_cost: int
    shipment_penalty: int
    deadline_days: int = 0  # production: must be produced within this many days
    ship_at: int = 0  # stock: known ship time
    arrival_at: int = 0  # stock: known arrival time

    @property
    def unit_cost(self) -> int:
        return (
            self.unit_price + self.shipping_per_unit + self.unreliability_per_unit
            + self.late_per_unit
        )

    @property
    def shipment_cost(self) -> int:
        return self.fixed_cost + self.shipment_penalty


@dataclass(slots=True)
class PartProblem:
    part_number: str
    now_at: int
    policy: Policy
    lines: list[DemandLine]
    offers: list[Offer]
    weights: PartWeights
    flows: list[Flow] = field(default_factory=list)

    def production_start(self, offer: int) -> int:
        return self.now_at + self.offers[offer].lead_time_days * DAY_MS

    def stock_ship_at(self, offer: int) -> int:
        ready = self.offers[offer].stock_ready_at
        return self.now_at if ready is None else max(self.now_at, ready)

    def shortage_per_unit(self, line: int) -> int:
        return self.weights.shortage_per_unit * self.lines[line].priority

    def flows_by_line(self) -> list[list[Flow]]:
        by_line: list[list[Flow]] = [[] for _ in self.lines]
        for f in self.flows:
            by_line[f.line].append(f)
        return by_line

    def flows_by_offer(self) -> dict[int, list[Flow]]:
        by_offer: dict[int, list[Flow]] = defaultdict(list)
        for f in self.flows:
            by_offer[f.offer].append(f)
        return by_offer

    @property
    def fairness_on(self) -> bool:
        contributed = sum(o.contributed_quantity for o in self.offers)
        return self.weights.fairness_per_unit > 0 and contributed > 0


def _whole_days(start: int, latest_ship: int) -> int:
    return max(0, (latest_ship - start) // DAY_MS)


def _line_flows(problem: PartProblem, li: int, oi: int, next_index: int) -> list[Flow]:
    line, offer = problem.lines[li], problem.offers[oi]
    lane = offer.lane_to(line.destination)
    if lane is None:
        return []
    policy, w = problem.policy, problem.weights
    transit = lane.transit_time_hours * HOUR_MS
    window = policy.max_lateness_hours * HOUR_MS if policy.allow_late else 0
    common = {
        "line": li, "offer": oi,
        "shipping_per_unit": lane.shipping_cost_per_unit_micros,
        "unreliability_per_unit": unreliability_per_unit(w, offer),
        "fixed_cost": lane.shipment_fixed_cost_micros,
        "shipment_penalty": w.shipment,
    }
    late_cost = w.late_per_unit * line.priority
    flows: list[Flow] = []
    if offer.stock_quantity > 0:
        ship_at = problem.stock_ship_at(oi)
        arrival = ship_at + transit
        if arrival <= line.due_at + window:
            late = arrival > line.due_at
            flows.append(Flow(
                index=next_index, source="stock", late=late,
                upper=min(offer.stock_quantity, line.quantity),
                unit_price=offer.unit_price_micros, late_per_unit=late_cost if late else 0,
                ship_at=ship_at, arrival_at=arrival, **common,
            ))
    producible = offer.producible_quantity
    if offer.capacity_per_day > 0 and producible != 0:
        start = problem.production_start(oi)
        on_time_days = _whole_days(start, line.due_at - transit)
        late_days = _whole_days(start, line.due_at + window - transit)
        cap = line.quantity if producible is None else min(line.quantity, producible)
        for days, late in ((on_time_days, False), (late_days, True)):
            if days < 1 or (late and days <= on_time_days):
                continue
            flows.append(Flow(
                index=next_index + len(flows), source="production", late=late,
                upper=min(cap, offer.capacity_per_day * days),
                unit_price=offer.production_price_micros,
                late_per_unit=late_cost if late else 0, deadline_days=days, **common,
            ))
    return flows


def build_part(
    request: PlanRequest, part_number: str, lines: list[DemandLine], offers: list[Offer]
) -> PartProblem:
    lines = sorted(lines, key=lambda line: line.line_id)
    offers = sorted(offers, key=lambda o: o.supplier_id)
    problem = PartProblem(
        part_number=part_number, now_at=request.now_at, policy=request.policy,
        lines=lines, offers=offers, weights=part_weights(request.policy, lines, offers),
    )
    for li in range(len(lines)):
        for oi in range(len(offers)):
            problem.flows.extend(_line_flows(problem, li, oi, len(problem.flows)))
    return problem


def decompose(request: PlanRequest) -> list[PartProblem]:
    """One independent problem per part: no constraint links two parts."""
    lines: dict[str, list[DemandLine]] = defaultdict(list)
    offers: dict[str, list[Offer]] = defaultdict(list)
    for line in request.lines:
        lines[line.part_number].append(line)
    for offer in request.offers:
        if offer.part_number in lines:
            offers[offer.part_number].append(offer)
    return [build_part(request, p, lines[p], offers[p]) for p in sorted(lines)]
