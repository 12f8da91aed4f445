"""A feasible plan in milliseconds: min-cost flow with shipment costs spread per unit, repaired.

Network: source -> each supplier's stock (its stock) and production (by-day capacity, chained
forward in time so early production serves later deadlines) -> lines -> sink; plus a shortage
arc per line. The flow respects every capacity; line rules it cannot express (no split, at most
k suppliers, all or nothing) are then repaired and the rest is topped up greedily.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from ortools.graph.python import min_cost_flow

from optimizer.flows import Flow, PartProblem
from optimizer.greedy import Capacity, fill_line, landed_rank, line_order

Spread = Callable[[Flow], int]  # what one unit of a flow pays for its shipment


def _spread_up(problem: PartProblem) -> Spread:
    """A plan's estimate: the shipment's cost over what it can carry, rounded up."""
    return lambda f: -(-f.shipment_cost // _carry(problem, f))


def _spread_down(problem: PartProblem) -> Spread:
    """Every plan pays at least this per unit (x <= u*y): rounded down, a lower bound."""
    return lambda f: f.shipment_cost // _carry(problem, f)


def _carry(problem: PartProblem, f: Flow) -> int:
    return max(1, min(f.upper, problem.lines[f.line].quantity))


def _solve_network(
    problem: PartProblem, spread: Spread, allowed: Container[int] | None = None
) -> tuple[min_cost_flow.SimpleMinCostFlow, dict[int, int]] | None:
    """The network solved with each unit of a flow paying `spread` for its shipment; only
    the `allowed` flows (all when None) get an arc."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    nodes = iter(range(1 << 30))
    source, sink = next(nodes), next(nodes)
    line_node = [next(nodes) for _ in problem.lines]
    demand = sum(line.quantity for line in problem.lines)
    big = demand
    most = max([f.unit_cost + f.shipment_cost for f in problem.flows]
               + [problem.shortage_per_unit(li) for li in range(len(problem.lines))])
    if most * demand >= 2**62:
        return None  # costs could overflow the solver's int64
    arcs: dict[int, int] = {}
    for oi, flows in sorted(problem.flows_by_offer().items()):
        offer = problem.offers[oi]
        stock = next(nodes)
        smcf.add_arc_with_capacity_and_unit_cost(source, stock, offer.stock_quantity, 0)
        made = next(nodes)
        producible = big if offer.producible_quantity is None else offer.producible_quantity
        smcf.add_arc_with_capacity_and_unit_cost(source, made, producible, 0)
        days = sorted({f.deadline_days for f in flows if f.source == "production"})
        by_day: dict[int, int] = {}
        previous_day, previous_node = 0, None
        for day in days:
            node = next(nodes)
            by_day[day] = node
            smcf.add_arc_with_capacity_and_unit_cost(
                made, node, offer.capacity_per_day * (day - previous_day), 0
            )
            if previous_node is not None:
                smcf.add_arc_with_capacity_and_unit_cost(previous_node, node, big, 0)
            previous_day, previous_node = day, node
        for f in flows:
            if allowed is not None and f.index not in allowed:
                continue
            tail = stock if f.source == "stock" else by_day[f.deadline_days]
            arcs[f.index] = smcf.add_arc_with_capacity_and_unit_cost(
                tail, line_node[f.line], f.upper, f.unit_cost + spread(f)
            )
    for li, line in enumerate(problem.lines):
        smcf.add_arc_with_capacity_and_unit_cost(
            source, line_node[li], line.quantity, problem.shortage_per_unit(li)
        )
        smcf.add_arc_with_capacity_and_unit_cost(line_node[li], sink, line.quantity, 0)
    smcf.set_node_supply(source, demand)
    smcf.set_node_supply(sink, -demand)
    if smcf.solve() != smcf.OPTIMAL:
        return None
    return smcf, arcs


def _flow_solution(
    problem: PartProblem, spread: Spread, allowed: Container[int] | None = None
) -> dict[int, int]:
    solved = _solve_network(problem, spread, allowed)
    if solved is None:
        return {}
    smcf, arcs = solved
    return {index: smcf.flow(arc) for index, arc in arcs.items() if smcf.flow(arc) > 0}


def flow_bound(problem: PartProblem) -> int | None:
    """A lower bound in a millisecond: a shipment costs each unit at least its fixed cost over
    what it can carry (x <= u*y), and dropping the line rules and fairness only lowers cost.
    It is the LP relaxation without those rows, with the spread costs rounded down."""
    solved = _solve_network(problem, _spread_down(problem))
    return None if solved is None else solved[0].optimal_cost()


def _keep_allowed(problem: PartProblem, li: int, quantities: dict[int, int]) -> list[int]:
    """Flows of a line to drop so that its split and supplier-count rules hold."""
    line = problem.lines[li]
    used = [problem.flows[i] for i, q in quantities.items() if problem.flows[i].line == li]
    used.sort(key=lambda f: (-quantities[f.index], landed_rank(problem, f)))
    limit = 1 if not line.allow_split else problem.policy.max_suppliers_per_line
    kept_suppliers: set[int] = set()
    drop: list[int] = []
    for n, f in enumerate(used):
        second = not line.allow_split and n >= 1
        over = limit is not None and f.offer not in kept_suppliers and len(kept_suppliers) >= limit
        if second or over:
            drop.append(f.index)
        else:
            kept_suppliers.add(f.offer)
    return drop


def min_cost_flow_plan(problem: PartProblem) -> dict[int, int]:
    return _with_line_rules(problem, _flow_solution(problem, _spread_up(problem)))


def open_shipments_plan(problem: PartProblem, shipments: Container[int]) -> dict[int, int]:
    """Whole units over the given shipments only, their fixed costs already paid: the integral
    flow behind a MIP solution whose quantities came back fractional (with the shipments
    fixed, the quantities form a network, so its optimum is integral)."""
    return _with_line_rules(problem, _flow_solution(problem, lambda f: 0, shipments))


def _with_line_rules(problem: PartProblem, quantities: dict[int, int]) -> dict[int, int]:
    """Repairs the rules a network cannot express and tops the lines up greedily."""
    repaired: list[int] = []
    for li in range(len(problem.lines)):
        drop = _keep_allowed(problem, li, quantities)
        if drop:
            repaired.append(li)
            for index in [i for i in quantities if problem.flows[i].line == li]:
                del quantities[index]
    capacity = Capacity(problem)
    for index, quantity in quantities.items():
        capacity.take(problem.flows[index], quantity)
    by_line = problem.flows_by_line()
    for li in line_order(problem):
        line = problem.lines[li]
        filled = sum(quantities.get(f.index, 0) for f in by_line[li])
        if not line.allow_partial and 0 < filled < line.quantity:
            for f in by_line[li]:
                if f.index in quantities:
                    capacity.take(f, -quantities.pop(f.index))
    for li in repaired + line_order(problem):
        fill_line(problem, capacity, by_line[li], quantities)
    return quantities
