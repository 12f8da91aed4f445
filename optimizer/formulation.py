"""The mixed-integer model of one part.

Each flow x is bounded by its own capacity times its shipment binary y (x <= u*y, no global
big-M); shortages are variables with a penalty so the model is always feasible; production
shares a cumulative daily capacity; fairness is the absolute deviation of each supplier's pool
draw from its contribution share, linearised with two rows per supplier.

Flow quantities x are continuous: once the binaries are fixed, what is left is a network flow
with integral capacities and demands (the min-cost-flow network of mincostflow.py), so an
optimal vertex is integral. Only the fairness rows, with their non-unit coefficients, can
make one fractional; part_solver turns such a solution into whole units. Declaring x integral
made HiGHS spend its time on cuts for general integers (measured on the 12x200 loose parts:
bound 0.08 % below the optimum at 0.07 s per part with integral x, 0.04 % with continuous x).
The relaxation's bound is a bound of the integral model too; `integral_flows` restores the
exact model when a proof needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.flows import Flow, PartProblem
from optimizer.linear_model import LinearModel


@dataclass(slots=True)
class PartModel:
    model: LinearModel
    x: list[int] = field(default_factory=list)
    y: list[int | None] = field(default_factory=list)
    shortage: list[int] = field(default_factory=list)
    line_rows: list[int] = field(default_factory=list)
    capacity_rows: dict[int, list[int]] = field(default_factory=dict)  # flow -> rows it loads
    fairness_rows: list[int] = field(default_factory=list)
    draw_rows: dict[int, int] = field(default_factory=dict)  # offer -> its pool draw row


def _needs_shipment_binaries(problem: PartProblem, flows_of_line: list[Flow]) -> bool:
    line = problem.lines[flows_of_line[0].line] if flows_of_line else None
    if line is None:
        return False
    limit = problem.policy.max_suppliers_per_line
    suppliers = {f.offer for f in flows_of_line}
    return (
        any(f.shipment_cost > 0 for f in flows_of_line) or not line.allow_split
        or not line.allow_partial or (limit is not None and len(suppliers) > limit)
    )


def _add_flows(pm: PartModel, problem: PartProblem) -> None:
    m = pm.model
    by_line = problem.flows_by_line()
    needs_y = [_needs_shipment_binaries(problem, fl) for fl in by_line]
    for f in problem.flows:
        pm.x.append(m.add_var(f"x{f.index}", f.upper, f.unit_cost))
        if needs_y[f.line]:
            y = m.add_var(f"y{f.index}", 1, f.shipment_cost, integer=True)
            m.add_row(f"open{f.index}", {pm.x[-1]: 1, y: -f.upper}, upper=0)
            pm.y.append(y)
        else:
            pm.y.append(None)


def _add_lines(pm: PartModel, problem: PartProblem) -> None:
    m = pm.model
    limit = problem.policy.max_suppliers_per_line
    for li, (line, flows) in enumerate(zip(problem.lines, problem.flows_by_line(), strict=True)):
        s = m.add_var(f"short{li}", line.quantity, problem.shortage_per_unit(li))
        pm.shortage.append(s)
        terms = {pm.x[f.index]: 1 for f in flows}
        if not line.allow_partial:
            z = m.add_var(f"complete{li}", 1, 0, integer=True)
            m.add_row(f"all_or_none{li}", {**terms, z: -line.quantity}, 0, 0)
        terms[s] = 1
        pm.line_rows.append(m.add_row(f"demand{li}", terms, line.quantity, line.quantity))
        ys = [pm.y[f.index] for f in flows if pm.y[f.index] is not None]
        if not line.allow_split and len(ys) > 1:
            m.add_row(f"single{li}", {y: 1 for y in ys if y is not None}, upper=1)
        elif limit is not None:
            _limit_suppliers(pm, problem, li, flows, limit)


def _limit_suppliers(
    pm: PartModel, problem: PartProblem, li: int, flows: list[Flow], limit: int
) -> None:
    m = pm.model
    by_offer: dict[int, list[Flow]] = {}
    for f in flows:
        by_offer.setdefault(f.offer, []).append(f)
    if len(by_offer) <= limit:
        return
    chosen: dict[int, int] = {}
    for oi, offer_flows in sorted(by_offer.items()):
        ys = [pm.y[f.index] for f in offer_flows]
        if len(ys) == 1 and ys[0] is not None:
            chosen[ys[0]] = 1
            continue
        w = m.add_var(f"supplier{li}_{oi}", 1, 0, integer=True)
        for y in ys:
            if y is not None:
                m.add_row(f"uses{li}_{oi}_{y}", {y: 1, w: -1}, upper=0)
        chosen[w] = 1
    m.add_row(f"max_suppliers{li}", chosen, upper=limit)


def _load(pm: PartModel, row: int, flows: list[Flow]) -> None:
    for f in flows:
        pm.capacity_rows.setdefault(f.index, []).append(row)


def _add_capacities(pm: PartModel, problem: PartProblem) -> None:
    m = pm.model
    for oi, flows in sorted(problem.flows_by_offer().items()):
        offer = problem.offers[oi]
        stock = [f for f in flows if f.source == "stock"]
        if sum(f.upper for f in stock) > offer.stock_quantity:
            row = m.add_row(
                f"stock{oi}", {pm.x[f.index]: 1 for f in stock}, upper=offer.stock_quantity
            )
            _load(pm, row, stock)
        production = sorted(
            (f for f in flows if f.source == "production"), key=lambda f: f.deadline_days
        )
        for days in sorted({f.deadline_days for f in production}):
            due = [f for f in production if f.deadline_days <= days]
            if sum(f.upper for f in due) > offer.capacity_per_day * days:
                row = m.add_row(
                    f"produce{oi}_{days}", {pm.x[f.index]: 1 for f in due},
                    upper=offer.capacity_per_day * days,
                )
                _load(pm, row, due)
        cap = offer.producible_quantity
        if cap is not None and sum(f.upper for f in production) > cap:
            row = m.add_row(f"producible{oi}", {pm.x[f.index]: 1 for f in production}, upper=cap)
            _load(pm, row, production)


def _add_fairness(pm: PartModel, problem: PartProblem) -> None:
    """dev_s >= |C*(drawn_s + draw_s) - c_s*(P + D)|, scaled by C so rows stay integral."""
    m = pm.model
    offers = problem.offers
    scale = sum(o.contributed_quantity for o in offers)
    earlier = sum(o.drawn_quantity for o in offers)
    stock_by_offer = {
        oi: [f for f in fl if f.source == "stock"]
        for oi, fl in problem.flows_by_offer().items()
    }
    most = sum(f.upper for fl in stock_by_offer.values() for f in fl)
    total = m.add_var("pool_draw", most)
    draws: dict[int, int] = {}
    for oi, flows in sorted(stock_by_offer.items()):
        if flows:
            draws[oi] = m.add_var(f"draw{oi}", sum(f.upper for f in flows))
            pm.draw_rows[oi] = m.add_row(
                f"draw{oi}", {**{pm.x[f.index]: 1 for f in flows}, draws[oi]: -1}, 0, 0
            )
    m.add_row("pool_draw", {**{d: 1 for d in draws.values()}, total: -1}, 0, 0)
    per_unit = problem.weights.fairness_per_unit / scale
    for oi, offer in enumerate(offers):
        share, before = offer.contributed_quantity, offer.drawn_quantity
        if oi not in draws and share == 0 and before == 0:
            continue
        constant = scale * before - share * earlier
        reach = abs(constant) + scale * most + share * most
        dev = m.add_var(f"deviation{oi}", reach, per_unit)
        over: dict[int, int] = {dev: 1, total: share}
        under: dict[int, int] = {dev: 1, total: -share}
        if oi in draws:
            over[draws[oi]] = -scale
            under[draws[oi]] = scale
        pm.fairness_rows.append(m.add_row(f"over{oi}", over, lower=constant))
        pm.fairness_rows.append(m.add_row(f"under{oi}", under, lower=-constant))


def build_mip(problem: PartProblem) -> PartModel:
    pm = PartModel(LinearModel())
    _add_flows(pm, problem)
    _add_lines(pm, problem)
    _add_capacities(pm, problem)
    if problem.fairness_on:
        _add_fairness(pm, problem)
    return pm


def integral_flows(pm: PartModel) -> LinearModel:
    """The same model with whole units on every flow: the exact model, for when the
    continuous quantities leave a proof short by fractions of units (fairness)."""
    model = pm.model
    integer = list(model.integer)
    for x in pm.x:
        integer[x] = True
    return LinearModel(
        model.lower, model.upper, model.cost, integer, model.names, model.rows, model.hint
    )


def build_relaxation(problem: PartProblem) -> LinearModel:
    """The LP relaxation of the MIP: an independent lower bound."""
    model = build_mip(problem).model
    model.integer = [False] * model.num_vars
    return model
