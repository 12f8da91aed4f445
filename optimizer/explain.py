"""Why each supplier was or was not chosen for each line, and what would change the decision.

Decisions are priced at the margin of the chosen plan: a line's price is what one unit costs
its most expensive current source (or its shortage penalty when it is short); a candidate's
price is its landed cost per unit with its shipment cost spread over what it could carry, plus
the exact change in the fairness penalty if it drew one more pooled unit. These are the dual
prices of the plan with its shipment decisions fixed, taken one-sided so they are unique.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

from optimizer.flows import Flow, PartProblem
from optimizer.greedy import Capacity
from optimizer.plan import Counterfactual, Explanation, ReasonCode, Unfilled
from optimizer.request import DAY_MS, HOUR_MS
from optimizer.texts import money, sentence, unfilled_sentence


class Margins:
    """Marginal prices of one part's plan."""

    def __init__(self, problem: PartProblem, quantities: dict[int, int]) -> None:
        self.problem = problem
        self.quantities = quantities
        self.capacity = Capacity(problem)
        for index, quantity in quantities.items():
            self.capacity.take(problem.flows[index], quantity)
        self.draws: dict[int, int] = defaultdict(int)
        for index, quantity in quantities.items():
            if problem.flows[index].source == "stock":
                self.draws[problem.flows[index].offer] += quantity
        self._deviation = self._total_deviation(self.draws)
        self._fairness: dict[tuple[int, int], Fraction] = {}
        self._landed: dict[int, Fraction] = {}
        self._room: dict[int, int] = {}

    def _total_deviation(self, draws: dict[int, int]) -> int:
        offers = self.problem.offers
        scale = sum(o.contributed_quantity for o in offers)
        pool = sum(o.drawn_quantity for o in offers) + sum(draws.values())
        return sum(
            abs(scale * (o.drawn_quantity + draws.get(oi, 0)) - o.contributed_quantity * pool)
            for oi, o in enumerate(offers)
        )

    def fairness_change(self, offer: int, units: int) -> Fraction:
        """Change of the fairness penalty if this offer's pool draw changed by `units`."""
        if not self.problem.fairness_on:
            return Fraction(0)
        key = (offer, units)
        if key not in self._fairness:
            self._fairness[key] = self._fairness_change(offer, units)
        return self._fairness[key]

    def _fairness_change(self, offer: int, units: int) -> Fraction:
        draws = dict(self.draws)
        draws[offer] = draws.get(offer, 0) + units
        scale = sum(o.contributed_quantity for o in self.problem.offers)
        change = self._total_deviation(draws) - self._deviation
        return Fraction(self.problem.weights.fairness_per_unit * change, scale)

    def fairness_add(self, f: Flow) -> Fraction:
        return self.fairness_change(f.offer, 1) if f.source == "stock" else Fraction(0)

    def room(self, f: Flow) -> int:
        if f.index not in self._room:
            self._room[f.index] = self.capacity.room(f)
        return self._room[f.index]

    def carry(self, f: Flow) -> int:
        used = self.quantities.get(f.index, 0)
        return used if used else max(1, min(self.room(f), self.problem.lines[f.line].quantity))

    def landed(self, f: Flow) -> Fraction:
        """Landed cost per unit with the shipment's cost spread over what it carries."""
        if f.index not in self._landed:
            self._landed[f.index] = f.unit_cost + Fraction(f.shipment_cost, self.carry(f))
        return self._landed[f.index]

    def line_price(self, li: int, flows: list[Flow], *, with_fairness: bool) -> Fraction:
        """What one more unit of this line is worth: its most expensive current unit."""
        filled = sum(self.quantities.get(f.index, 0) for f in flows)
        if filled < self.problem.lines[li].quantity:
            return Fraction(self.problem.shortage_per_unit(li))
        prices = [
            f.unit_cost - (self.fairness_change(f.offer, -1) if with_fairness and
                           f.source == "stock" else 0)
            for f in flows if self.quantities.get(f.index, 0) > 0
        ]
        return Fraction(max(prices))


def _floor(value: Fraction) -> int:
    return math.floor(value)


def _too_late_hours(problem: PartProblem, li: int, oi: int) -> int | None:
    line, offer = problem.lines[li], problem.offers[oi]
    lane = offer.lane_to(line.destination)
    if lane is None:
        return None
    arrivals = []
    transit = lane.transit_time_hours * HOUR_MS
    if offer.stock_quantity > 0:
        arrivals.append(problem.stock_ship_at(oi) + transit)
    if offer.capacity_per_day > 0:
        arrivals.append(problem.production_start(oi) + DAY_MS + transit)
    if not arrivals:
        return None
    return max(1, -(-(min(arrivals) - line.due_at) // HOUR_MS))


def _explanation(
    problem: PartProblem, li: int, oi: int, chosen: bool, reason: ReasonCode,
    counterfactual: Counterfactual | None, f: Flow | None, **fields: object,
) -> Explanation:
    supplier = problem.offers[oi].supplier_id
    cf = None if counterfactual is None else (
        counterfactual.kind, counterfactual.supplier_id, counterfactual.value
    )
    en, zh = sentence(
        reason, cf, supplier=supplier, destination=problem.lines[li].destination,
        source=f.source if f is not None else "", **fields,
    )
    return Explanation.model_construct(
        line_id=problem.lines[li].line_id, supplier_id=supplier, chosen=chosen,
        source=f.source if chosen and f is not None else None, reason=reason,
        counterfactual=counterfactual, text_en=en, text_zh=zh,
    )


def _chosen(
    m: Margins, li: int, f: Flow, flows: list[Flow]
) -> tuple[ReasonCode, Counterfactual | None]:
    problem = m.problem
    others = [g for g in flows if g.offer != f.offer]
    if f.late:
        return ReasonCode.LATE_PENALISED, None
    if not others:
        return ReasonCode.ONLY_SOURCE_IN_TIME, None
    mine = m.landed(f)
    cheaper = sorted(
        (g for g in flows if g.index != f.index and m.landed(g) < mine),
        key=lambda g: (m.landed(g), g.index),
    )
    if not cheaper:
        rival = min(others, key=lambda g: (m.landed(g) + m.fairness_add(g), g.index))
        above = f.unit_price + _floor(m.landed(rival) + m.fairness_add(rival) - mine)
        supplier = problem.offers[f.offer].supplier_id
        return ReasonCode.CHEAPEST_LANDED_COST, Counterfactual(
            kind="unit_price_above", supplier_id=supplier, value=max(f.unit_price, above)
        )
    g = cheaper[0]
    if m.room(g) == 0 or m.quantities.get(g.index, 0) > 0:
        return ReasonCode.CHEAPER_CAPACITY_EXHAUSTED, None
    if m.landed(g) + m.fairness_add(g) >= mine + m.fairness_add(f):
        return ReasonCode.FAIRNESS_BALANCING, None
    return ReasonCode.SPLIT_AVOIDED, None


def _not_chosen(
    m: Margins, li: int, oi: int, flows: list[Flow], all_flows: list[Flow]
) -> tuple[ReasonCode, Counterfactual | None, Flow | None]:
    problem = m.problem
    offer = problem.offers[oi]
    line = problem.lines[li]
    if offer.lane_to(line.destination) is None:
        return ReasonCode.NO_ROUTE, None, None
    if not flows:
        hours = _too_late_hours(problem, li, oi)
        if hours is None:
            return ReasonCode.NO_CAPACITY, None, None
        return ReasonCode.TOO_LATE, Counterfactual(
            kind="hours_earlier", supplier_id=offer.supplier_id, value=hours
        ), None
    g = min(flows, key=lambda g: (m.landed(g) + m.fairness_add(g), g.index))
    if all(m.room(h) == 0 for h in flows):
        return ReasonCode.CAPACITY_EXHAUSTED, Counterfactual(
            kind="more_quantity", supplier_id=offer.supplier_id,
            value=min(g.upper, line.quantity),
        ), g
    direct = m.landed(g)
    with_fairness = direct + m.fairness_add(g)
    line_price = m.line_price(li, all_flows, with_fairness=True)
    excess = with_fairness - line_price
    counterfactual = None
    threshold = g.unit_price - _floor(excess) - 1 if excess >= 0 else g.unit_price
    if threshold >= 0:
        counterfactual = Counterfactual(
            kind="unit_price_at_most", supplier_id=offer.supplier_id, value=threshold
        )
    if direct >= m.line_price(li, all_flows, with_fairness=False):
        return ReasonCode.HIGHER_LANDED_COST, counterfactual, g
    if with_fairness >= line_price:
        return ReasonCode.FAIRNESS_BALANCING, counterfactual, g
    used = {h.offer for h in all_flows if m.quantities.get(h.index, 0) > 0}
    limit = 1 if not line.allow_split else problem.policy.max_suppliers_per_line
    if limit is not None and len(used) >= limit:
        return ReasonCode.MAX_SUPPLIERS_REACHED, counterfactual, g
    return ReasonCode.SPLIT_AVOIDED, counterfactual, g


def explain_part(problem: PartProblem, quantities: dict[int, int]) -> list[Explanation]:
    """One explanation per shipment and one per candidate supplier not chosen, per line."""
    m = Margins(problem, quantities)
    out: list[Explanation] = []
    for li, flows in enumerate(problem.flows_by_line()):
        by_offer: dict[int, list[Flow]] = defaultdict(list)
        for f in flows:
            by_offer[f.offer].append(f)
        for oi in range(len(problem.offers)):
            used = [f for f in by_offer[oi] if quantities.get(f.index, 0) > 0]
            for f in used:
                reason, cf = _chosen(m, li, f, flows)
                out.append(_explanation(
                    problem, li, oi, True, reason, cf, f, quantity=quantities[f.index],
                    cost=money(_floor(m.landed(f))),
                ))
            if not used:
                reason, cf, g = _not_chosen(m, li, oi, by_offer[oi], flows)
                cost = money(_floor(m.landed(g))) if g is not None else ""
                out.append(_explanation(problem, li, oi, False, reason, cf, g, cost=cost))
    return out


def unfilled_part(
    problem: PartProblem, quantities: dict[int, int], unfilled: dict[str, int]
) -> list[Unfilled]:
    """The reason each short line is short."""
    m = Margins(problem, quantities)
    out: list[Unfilled] = []
    for li, flows in enumerate(problem.flows_by_line()):
        line = problem.lines[li]
        short = unfilled.get(line.line_id, 0)
        if short <= 0:
            continue
        if not problem.offers:
            reason = ReasonCode.NO_OFFER
        elif not flows:
            routed = any(o.lane_to(line.destination) for o in problem.offers)
            reason = ReasonCode.TOO_LATE if routed else ReasonCode.NO_ROUTE
        elif sum(m.room(f) for f in flows) == 0:
            reason = ReasonCode.INSUFFICIENT_SUPPLY
        elif not line.allow_partial:
            reason = ReasonCode.PARTIAL_NOT_ALLOWED
        elif not line.allow_split or problem.policy.max_suppliers_per_line is not None:
            reason = ReasonCode.MAX_SUPPLIERS_REACHED
        else:
            reason = ReasonCode.UNECONOMIC
        en, zh = unfilled_sentence(reason, short, line.destination)
        out.append(Unfilled.model_construct(
            line_id=line.line_id, part_number=problem.part_number, quantity=short,
            reason=reason, text_en=en, text_zh=zh,
        ))
    return out
