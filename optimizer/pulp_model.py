"""A second, independent formulation of the whole request in PuLP, solved by CBC.

Written from the request alone, without the flow model or the OR-Tools formulation, so the
two can cross-check each other's optimum on small instances. One model for all parts; the
production capacity is written as "made by the end of each day" rather than per deadline.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

import pulp

from optimizer.request import DAY_MS, HOUR_MS, PlanRequest
from optimizer.weights import part_weights, unreliability_per_unit


@dataclass(frozen=True, slots=True)
class PulpSolution:
    status: str
    objective: float
    shipped: dict[tuple[str, str, str], int]  # (line_id, supplier_id, source) -> units


def _arc_cost(price: int, shipping: int, risk: int, late: int) -> int:
    return price + shipping + risk + late


def solve_with_pulp(request: PlanRequest, time_limit_s: int = 60) -> PulpSolution:
    policy = request.policy
    window = policy.max_lateness_hours * HOUR_MS if policy.allow_late else 0
    prob = pulp.LpProblem("allocation", pulp.LpMinimize)
    cost_terms: list = []
    by_part_lines = defaultdict(list)
    for line in request.lines:
        by_part_lines[line.part_number].append(line)
    by_part_offers = defaultdict(list)
    for offer in request.offers:
        by_part_offers[offer.part_number].append(offer)
    shipped_vars: dict[tuple[str, str, str], list] = defaultdict(list)
    n = 0
    for part, lines in sorted(by_part_lines.items()):
        offers = sorted(by_part_offers[part], key=lambda o: o.supplier_id)
        w = part_weights(policy, lines, offers)
        stock_draw: dict[str, list[pulp.LpVariable]] = {o.supplier_id: [] for o in offers}
        made_by_day: dict[str, list[tuple[int, pulp.LpVariable]]] = {
            o.supplier_id: [] for o in offers
        }
        for line in sorted(lines, key=lambda x: x.line_id):
            arrivals = []
            shipments = []
            per_supplier = defaultdict(list)
            for offer in offers:
                lane = offer.lane_to(line.destination)
                if lane is None:
                    continue
                transit = lane.transit_time_hours * HOUR_MS
                risk = unreliability_per_unit(w, offer)
                options: list[tuple[str, bool, int, int, int]] = []
                ready = max(request.now_at, offer.stock_ready_at or request.now_at)
                if offer.stock_quantity > 0 and ready + transit <= line.due_at + window:
                    late = ready + transit > line.due_at
                    options.append(("stock", late, min(offer.stock_quantity, line.quantity),
                                    offer.unit_price_micros, 0))
                start = request.now_at + offer.lead_time_days * DAY_MS
                last_day = -1
                for late, limit in ((False, line.due_at), (True, line.due_at + window)):
                    if late and window == 0:
                        continue
                    days = (limit - transit - start) // DAY_MS
                    if offer.capacity_per_day <= 0 or days < 1 or days <= last_day:
                        continue
                    last_day = days
                    cap = offer.capacity_per_day * days
                    if offer.producible_quantity is not None:
                        cap = min(cap, offer.producible_quantity)
                    if cap > 0:
                        options.append(("production", late, min(cap, line.quantity),
                                        offer.production_price_micros, days))
                for source, late, upper, price, days in options:
                    n += 1
                    x = prob.add_variable(f"x{n}", 0, upper, cat="Integer")
                    y = prob.add_variable(f"y{n}", cat="Binary")
                    prob += x <= upper * y
                    late_cost = w.late_per_unit * line.priority if late else 0
                    unit = _arc_cost(price, lane.shipping_cost_per_unit_micros, risk, late_cost)
                    cost_terms.append(unit * x)
                    cost_terms.append((lane.shipment_fixed_cost_micros + w.shipment) * y)
                    arrivals.append(x)
                    shipments.append(y)
                    per_supplier[offer.supplier_id].append(y)
                    shipped_vars[(line.line_id, offer.supplier_id, source)].append(x)
                    if source == "stock":
                        stock_draw[offer.supplier_id].append(x)
                    else:
                        made_by_day[offer.supplier_id].append((days, x))
            short = prob.add_variable(f"short_{line.line_id}", 0, line.quantity)
            cost_terms.append(w.shortage_per_unit * line.priority * short)
            prob += pulp.lpSum(arrivals) + short == line.quantity
            if not line.allow_partial:
                whole = prob.add_variable(f"whole_{line.line_id}", cat="Binary")
                prob += short == line.quantity * (1 - whole)
            if not line.allow_split:
                prob += pulp.lpSum(shipments) <= 1
            elif policy.max_suppliers_per_line is not None:
                used = []
                for supplier, ys in sorted(per_supplier.items()):
                    u = prob.add_variable(f"uses_{line.line_id}_{supplier}", cat="Binary")
                    for y in ys:
                        prob += y <= u
                    used.append(u)
                prob += pulp.lpSum(used) <= policy.max_suppliers_per_line
        for offer in offers:
            if stock_draw[offer.supplier_id]:
                prob += pulp.lpSum(stock_draw[offer.supplier_id]) <= offer.stock_quantity
            made = made_by_day[offer.supplier_id]
            for day in sorted({d for d, _ in made}):
                prob += pulp.lpSum(x for d, x in made if d <= day) <= (
                    offer.capacity_per_day * day
                )
            if made and offer.producible_quantity is not None:
                prob += pulp.lpSum(x for _, x in made) <= offer.producible_quantity
        cost_terms += _fairness_terms(prob, part, offers, stock_draw, w.fairness_per_unit)
    prob += pulp.lpSum(cost_terms)
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates its bundled CBC for 4.0; it is still the one installed here.
        warnings.simplefilter("ignore", DeprecationWarning)
        cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=1e-9, threads=1)
    prob.solve(cbc)
    shipped = {
        key: round(sum(x.value() or 0 for x in xs)) for key, xs in shipped_vars.items()
    }
    return PulpSolution(
        pulp.LpStatus[prob.status], pulp.value(prob.objective) or 0.0,
        {k: v for k, v in shipped.items() if v > 0},
    )


def _fairness_terms(prob, part, offers, stock_draw, per_unit) -> list:
    """|C*(drawn_s + draw_s) - c_s*(pool drawn)| per supplier, weighted per_unit / C."""
    contributed = sum(o.contributed_quantity for o in offers)
    if per_unit == 0 or contributed == 0:
        return []
    pool = sum(o.drawn_quantity for o in offers) + pulp.lpSum(
        x for xs in stock_draw.values() for x in xs
    )
    terms = []
    for offer in offers:
        gap = contributed * (offer.drawn_quantity + pulp.lpSum(stock_draw[offer.supplier_id]))
        gap -= offer.contributed_quantity * pool
        dev = prob.add_variable(f"dev_{part}_{offer.supplier_id}", 0)
        prob += dev >= gap
        prob += dev >= -gap
        terms.append(float(Fraction(per_unit, contributed)) * dev)
    return terms
