"""The greedy baseline a planner would follow by hand: earliest due line first, cheapest landed
cost first, within every capacity and line rule. Also completes partial plans (repair)."""

from __future__ import annotations

from collections import defaultdict

from optimizer.flows import Flow, PartProblem


class Capacity:
    """What is left of each supplier's stock and of its production capacity by each day."""

    def __init__(self, problem: PartProblem) -> None:
        self.problem = problem
        self.stock_left = [o.stock_quantity for o in problem.offers]
        self.made_by: list[dict[int, int]] = [defaultdict(int) for _ in problem.offers]

    def room(self, f: Flow) -> int:
        offer = self.problem.offers[f.offer]
        if f.source == "stock":
            return min(f.upper, self.stock_left[f.offer])
        made = self.made_by[f.offer]
        checkpoints = sorted({k for k in made if k >= f.deadline_days} | {f.deadline_days})
        room = f.upper
        for k in checkpoints:
            room = min(room, offer.capacity_per_day * k - sum(q for d, q in made.items() if d <= k))
        if offer.producible_quantity is not None:
            room = min(room, offer.producible_quantity - sum(made.values()))
        return max(0, room)

    def take(self, f: Flow, quantity: int) -> None:
        if f.source == "stock":
            self.stock_left[f.offer] -= quantity
        else:
            self.made_by[f.offer][f.deadline_days] += quantity


def landed_rank(problem: PartProblem, f: Flow) -> tuple[float, str, bool, str]:
    """Cheapest landed cost per unit, the shipment's cost spread over what it could carry."""
    carry = max(1, min(f.upper, problem.lines[f.line].quantity))
    supplier = problem.offers[f.offer].supplier_id
    return (f.unit_cost + f.shipment_cost / carry, supplier, f.late, f.source)


def _worth_it(problem: PartProblem, f: Flow, quantity: int) -> bool:
    cost = f.unit_cost * quantity + f.shipment_cost
    return cost < problem.shortage_per_unit(f.line) * quantity


def _candidates(
    problem: PartProblem, capacity: Capacity, flows: list[Flow], need: int, single: bool
) -> list[Flow]:
    """Cheapest first; for a line that cannot be split, those that can carry it all first."""
    ranked = sorted(flows, key=lambda f: landed_rank(problem, f))
    if not single:
        return ranked
    rooms = {f.index: capacity.room(f) for f in ranked}
    whole = [f for f in ranked if rooms[f.index] >= need]
    return whole + sorted((f for f in ranked if rooms[f.index] < need),
                          key=lambda f: -rooms[f.index])


def fill_line(
    problem: PartProblem, capacity: Capacity, flows: list[Flow], quantities: dict[int, int]
) -> None:
    """Adds shipments to one line, cheapest first, until it is full or nothing more fits."""
    if not flows:
        return
    line = problem.lines[flows[0].line]
    limit = problem.policy.max_suppliers_per_line
    used = [f for f in flows if quantities.get(f.index, 0) > 0]
    need = line.quantity - sum(quantities[f.index] for f in used)
    suppliers = {f.offer for f in used}
    if need <= 0 or (not line.allow_split and used):
        return
    added: list[tuple[Flow, int]] = []
    for f in _candidates(problem, capacity, flows, need, single=not line.allow_split):
        if f.index in quantities and quantities[f.index] > 0:
            continue
        if limit is not None and f.offer not in suppliers and len(suppliers) >= limit:
            continue
        room = capacity.room(f)
        take = min(room, need)
        if take <= 0 or not _worth_it(problem, f, take):
            continue
        capacity.take(f, take)
        quantities[f.index] = take
        added.append((f, take))
        suppliers.add(f.offer)
        need -= take
        if need == 0 or not line.allow_split:
            break
    if need > 0 and not line.allow_partial:
        for f, take in added:
            capacity.take(f, -take)
            del quantities[f.index]


def line_order(problem: PartProblem) -> list[int]:
    return sorted(
        range(len(problem.lines)),
        key=lambda li: (problem.lines[li].due_at, -problem.lines[li].priority,
                        problem.lines[li].line_id),
    )


def greedy(problem: PartProblem) -> dict[int, int]:
    capacity = Capacity(problem)
    quantities: dict[int, int] = {}
    by_line = problem.flows_by_line()
    for li in line_order(problem):
        fill_line(problem, capacity, by_line[li], quantities)
    return quantities
