"""The independent plan validator: checks a plan against the request in integers, its own way.

It does not use the flow model, the formulation or any solver: it re-derives routes, times,
capacities and costs from the request, so a solver (or a formulation bug) that certifies a
wrong plan is caught here. Only the objective's definition (the weights) is shared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction

from optimizer.plan import Allocation, Objective, Plan
from optimizer.request import DAY_MS, HOUR_MS, DemandLine, Offer, PlanRequest, Policy
from optimizer.weights import part_weights, unreliability_per_unit


def _index(lines: Iterable[DemandLine], offers: Iterable[Offer]) -> tuple[dict, dict]:
    return {li.line_id: li for li in lines}, {(o.supplier_id, o.part_number): o for o in offers}


def check_shipments(
    now_at: int, policy: Policy, lines: Sequence[DemandLine], offers: Sequence[Offer],
    allocations: Sequence[Allocation], unfilled: dict[str, int],
) -> list[str]:
    """Every violation of routes, times, stock, capacity, quantities and line rules."""
    by_line, by_offer = _index(lines, offers)
    errors: list[str] = []
    stock_used: dict[tuple[str, str], int] = defaultdict(int)
    production: dict[tuple[str, str], list[Allocation]] = defaultdict(list)
    per_line: dict[str, list[Allocation]] = defaultdict(list)
    window = policy.max_lateness_hours * HOUR_MS if policy.allow_late else 0
    for a in allocations:
        line = by_line.get(a.line_id)
        offer = by_offer.get((a.supplier_id, a.part_number))
        where = f"{a.line_id}/{a.supplier_id}/{a.source}"
        if line is None or offer is None or line.part_number != a.part_number:
            errors.append(f"{where}: unknown line, offer or part")
            continue
        per_line[a.line_id].append(a)
        lane = next((ln for ln in offer.lanes if ln.destination == line.destination), None)
        if lane is None:
            errors.append(f"{where}: no lane to {line.destination}")
            continue
        if a.quantity <= 0:
            errors.append(f"{where}: quantity {a.quantity} is not positive")
        if a.arrival_at != a.ship_at + lane.transit_time_hours * HOUR_MS:
            errors.append(f"{where}: arrival is not ship time plus transit")
        if a.arrival_at > line.due_at + window:
            errors.append(f"{where}: arrives {a.arrival_at} after due {line.due_at}")
        if a.late != (a.arrival_at > line.due_at):
            errors.append(f"{where}: late flag is wrong")
        price = offer.unit_price_micros
        if a.source == "stock":
            stock_used[(a.supplier_id, a.part_number)] += a.quantity
            ready = now_at if offer.stock_ready_at is None else max(now_at, offer.stock_ready_at)
            if a.ship_at < ready:
                errors.append(f"{where}: stock ships before it is ready")
        else:
            production[(a.supplier_id, a.part_number)].append(a)
            if offer.production_unit_price_micros is not None:
                price = offer.production_unit_price_micros
        shipping = a.quantity * lane.shipping_cost_per_unit_micros
        expected = (price, shipping, lane.shipment_fixed_cost_micros,
                    a.quantity * price + shipping + lane.shipment_fixed_cost_micros)
        found = (a.unit_price_micros, a.shipping_cost_micros, a.shipment_fixed_cost_micros,
                 a.landed_cost_micros)
        if expected != found:
            errors.append(f"{where}: costs {found} differ from the offer's {expected}")
    for key, used in sorted(stock_used.items()):
        if used > by_offer[key].stock_quantity:
            errors.append(f"{key}: draws {used} from stock {by_offer[key].stock_quantity}")
    for key, made in sorted(production.items()):
        errors.extend(_check_production(now_at, by_offer[key], made))
    errors.extend(_check_lines(policy, lines, per_line, unfilled))
    return errors


def _check_production(now_at: int, offer: Offer, shipments: list[Allocation]) -> list[str]:
    """Everything shipped by the end of day k must have been made in k days."""
    errors: list[str] = []
    start = now_at + offer.lead_time_days * DAY_MS
    by_ship_at: dict[int, int] = defaultdict(int)
    for a in shipments:
        by_ship_at[a.ship_at] += a.quantity
    made = 0
    for ship_at, quantity in sorted(by_ship_at.items()):
        days, rest = divmod(ship_at - start, DAY_MS)
        made += quantity
        if rest or days < 1:
            errors.append(f"{offer.supplier_id}: production ships off a day's end at {ship_at}")
        elif made > offer.capacity_per_day * days:
            errors.append(
                f"{offer.supplier_id}/{offer.part_number}: {made} units made by day {days} "
                f"exceed {offer.capacity_per_day} a day"
            )
    if offer.producible_quantity is not None and made > offer.producible_quantity:
        errors.append(f"{offer.supplier_id}: production {made} over {offer.producible_quantity}")
    return errors


def _check_lines(
    policy: Policy, lines: Sequence[DemandLine], per_line: dict[str, list[Allocation]],
    unfilled: dict[str, int],
) -> list[str]:
    errors: list[str] = []
    for line in lines:
        shipments = per_line.get(line.line_id, [])
        filled = sum(a.quantity for a in shipments)
        short = unfilled.get(line.line_id, 0)
        if short < 0 or filled + short != line.quantity:
            errors.append(f"{line.line_id}: filled {filled} + unfilled {short} != {line.quantity}")
        if not line.allow_split and len(shipments) > 1:
            errors.append(f"{line.line_id}: {len(shipments)} shipments, split not allowed")
        suppliers = {a.supplier_id for a in shipments}
        limit = policy.max_suppliers_per_line
        if limit is not None and len(suppliers) > limit:
            errors.append(f"{line.line_id}: {len(suppliers)} suppliers, at most {limit}")
        if not line.allow_partial and filled not in (0, line.quantity):
            errors.append(f"{line.line_id}: partial fill {filled} not allowed")
    unknown = set(unfilled) - {line.line_id for line in lines}
    if unknown:
        errors.append(f"unfilled quantities for unknown lines {sorted(unknown)}")
    return errors


def plan_objective(
    policy: Policy, lines: Sequence[DemandLine], offers: Sequence[Offer],
    allocations: Sequence[Allocation], unfilled: dict[str, int],
) -> Objective:
    """The objective of a plan, term by term, recomputed from the request."""
    terms: dict[str, int] = defaultdict(int)
    parts: dict[str, list[DemandLine]] = defaultdict(list)
    offers_of: dict[str, list[Offer]] = defaultdict(list)
    shipments_of: dict[str, list[Allocation]] = defaultdict(list)
    for line in lines:
        parts[line.part_number].append(line)
    for o in offers:
        offers_of[o.part_number].append(o)
    for a in allocations:
        shipments_of[a.part_number].append(a)
    by_line, by_offer = _index(lines, offers)
    for part, part_lines in sorted(parts.items()):
        part_offers = offers_of[part]
        w = part_weights(policy, part_lines, part_offers)
        draws: dict[str, int] = defaultdict(int)
        for a in shipments_of[part]:
            if a.line_id not in by_line or (a.supplier_id, part) not in by_offer:
                continue  # reported by check_shipments
            line, offer = by_line[a.line_id], by_offer[(a.supplier_id, part)]
            terms["goods_micros"] += a.quantity * a.unit_price_micros
            terms["shipping_micros"] += a.shipping_cost_micros
            terms["fixed_micros"] += a.shipment_fixed_cost_micros
            terms["unreliability_micros"] += a.quantity * unreliability_per_unit(w, offer)
            terms["shipment_penalty_micros"] += w.shipment
            if a.arrival_at > line.due_at:
                terms["late_micros"] += a.quantity * w.late_per_unit * line.priority
            if a.source == "stock":
                draws[a.supplier_id] += a.quantity
        for line in part_lines:
            terms["shortage_micros"] += (
                unfilled.get(line.line_id, 0) * w.shortage_per_unit * line.priority
            )
        terms["fairness_micros"] += _fairness(w.fairness_per_unit, part_offers, draws)
    terms["total_micros"] = sum(terms.values())
    return Objective(**terms)


def _fairness(per_unit: int, offers: Sequence[Offer], draws: dict[str, int]) -> int:
    contributed = sum(o.contributed_quantity for o in offers)
    if per_unit == 0 or contributed == 0:
        return 0
    pool_drawn = sum(o.drawn_quantity for o in offers) + sum(draws.values())
    deviation = sum(
        abs(contributed * (o.drawn_quantity + draws.get(o.supplier_id, 0))
            - o.contributed_quantity * pool_drawn)
        for o in offers
    )
    return round(Fraction(per_unit * deviation, contributed))


def validate_plan(request: PlanRequest, plan: Plan) -> list[str]:
    """Every problem with the plan; an empty list means it is valid and its numbers add up."""
    unfilled: dict[str, int] = defaultdict(int)
    for u in plan.unfilled:
        unfilled[u.line_id] += u.quantity
    errors = [f"{u.line_id}: unfilled {u.quantity} is not positive" for u in plan.unfilled
              if u.quantity <= 0]
    errors += check_shipments(
        request.now_at, request.policy, request.lines, request.offers, plan.allocations,
        unfilled,
    )
    objective = plan_objective(
        request.policy, request.lines, request.offers, plan.allocations, unfilled
    )
    if objective != plan.objective:
        errors.append(f"objective {plan.objective} differs from recomputed {objective}")
    filled = sum(a.quantity for a in plan.allocations)
    demanded = sum(line.quantity for line in request.lines)
    if (plan.demanded_quantity, plan.filled_quantity, plan.shipments) != (
        demanded, filled, len(plan.allocations)
    ):
        errors.append("plan totals do not add up")
    solver = plan.solver
    if solver.objective_micros != objective.total_micros:
        errors.append("solver objective differs from the plan's objective")
    if solver.bound_micros > objective.total_micros:
        errors.append(f"bound {solver.bound_micros} above objective {objective.total_micros}")
    return errors
