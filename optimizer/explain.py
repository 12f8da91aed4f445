"""Why each supplier was or was not chosen for each line, and what would change the decision
(priced by optimizer.margins), in English and Chinese."""

from __future__ import annotations

import math
from collections import defaultdict

from optimizer.flows import Flow, PartProblem
from optimizer.margins import Margins
from optimizer.plan import Counterfactual, Explanation, ReasonCode, Unfilled
from optimizer.request import DAY_MS, HOUR_MS
from optimizer.texts import money, sentence, unfilled_sentence


def _too_late_hours(problem: PartProblem, li: int, oi: int) -> int | None:
    line, offer = problem.lines[li], problem.offers[oi]
    lane = offer.lane_to(line.destination)
    if lane is None:
        return None
    transit = lane.transit_time_hours * HOUR_MS
    arrivals = []
    if offer.stock_quantity > 0:
        arrivals.append(problem.stock_ship_at(oi) + transit)
    if offer.capacity_per_day > 0:
        arrivals.append(problem.production_start(oi) + DAY_MS + transit)
    if not arrivals:
        return None
    return max(1, -(-(min(arrivals) - line.due_at) // HOUR_MS))


class _LineExplainer:
    """Explains the decisions on one line."""

    def __init__(self, m: Margins, li: int, flows: list[Flow]) -> None:
        self.m, self.li, self.flows = m, li, flows
        self.problem = m.problem
        self.line = m.problem.lines[li]
        self.used = [f for f in flows if m.quantities.get(f.index, 0) > 0]
        self.used_offers = {f.offer for f in self.used}
        self._prices: tuple[int, int] | None = None

    @property
    def prices(self) -> tuple[int, int]:
        if self._prices is None:
            self._prices = self.m.line_prices(self.li, self.flows)
        return self._prices

    def chosen(self, f: Flow) -> tuple[ReasonCode, Counterfactual | None]:
        m = self.m
        if f.late:
            return ReasonCode.LATE_PENALISED, None
        cheaper = [g for g in self.flows if g.index != f.index and g.unit_cost < f.unit_cost]
        if cheaper:
            g = min(cheaper, key=lambda g: (g.unit_cost, g.index))
            if m.room[g.index] == 0 or m.quantities.get(g.index, 0) > 0:
                return ReasonCode.CHEAPER_CAPACITY_EXHAUSTED, None
            if m.scaled_unit(g) >= m.scaled_unit(f):
                return ReasonCode.FAIRNESS_BALANCING, None
            return ReasonCode.SPLIT_AVOIDED, None
        others = [g for g in self.flows if g.offer != f.offer]
        if not others:
            alone = len(self.problem.offers) == 1
            return (ReasonCode.CHEAPEST_LANDED_COST if alone
                    else ReasonCode.ONLY_SOURCE_IN_TIME), None
        rival = min(others, key=lambda g: (m.rank[g.index], g.index))
        above = f.unit_price + max(0, m.floor_between(rival, f))
        return ReasonCode.CHEAPEST_LANDED_COST, Counterfactual(
            kind="unit_price_above",
            supplier_id=self.problem.offers[f.offer].supplier_id, value=above,
        )

    def not_chosen(
        self, oi: int, flows: list[Flow]
    ) -> tuple[ReasonCode, Counterfactual | None, Flow | None]:
        m, offer = self.m, self.problem.offers[oi]
        if offer.lane_to(self.line.destination) is None:
            return ReasonCode.NO_ROUTE, None, None
        if not flows:
            hours = _too_late_hours(self.problem, self.li, oi)
            if hours is None:
                return ReasonCode.NO_CAPACITY, None, None
            return ReasonCode.TOO_LATE, Counterfactual(
                kind="hours_earlier", supplier_id=offer.supplier_id, value=hours
            ), None
        g = min(flows, key=lambda g: (m.rank[g.index], g.index))
        if all(m.room[h.index] == 0 for h in flows):
            return ReasonCode.CAPACITY_EXHAUSTED, Counterfactual(
                kind="more_quantity", supplier_id=offer.supplier_id,
                value=min(g.upper, self.line.quantity),
            ), g
        direct_price, fair_price = self.prices
        excess = m.floor_above(g, fair_price)  # floor of (rank - line price)
        threshold = g.unit_price - excess - 1 if excess >= 0 else g.unit_price
        counterfactual = None if threshold < 0 else Counterfactual(
            kind="unit_price_at_most", supplier_id=offer.supplier_id, value=threshold
        )
        if g.unit_cost >= direct_price:
            return ReasonCode.HIGHER_LANDED_COST, counterfactual, g
        if m.scaled_unit(g) >= fair_price:
            return ReasonCode.FAIRNESS_BALANCING, counterfactual, g
        limit = 1 if not self.line.allow_split else self.problem.policy.max_suppliers_per_line
        if limit is not None and len(self.used_offers) >= limit:
            return ReasonCode.MAX_SUPPLIERS_REACHED, counterfactual, g
        return ReasonCode.SPLIT_AVOIDED, counterfactual, g


def _explanation(
    problem: PartProblem, li: int, oi: int, f: Flow | None, chosen: bool,
    decision: tuple[ReasonCode, Counterfactual | None], quantity: object = "", cost: str = "",
) -> Explanation:
    reason, counterfactual = decision
    supplier = problem.offers[oi].supplier_id
    cf = None if counterfactual is None else (
        counterfactual.kind, counterfactual.supplier_id, counterfactual.value
    )
    en, zh = sentence(
        reason, cf, supplier=supplier, destination=problem.lines[li].destination,
        source=f.source if f is not None else "", quantity=quantity, cost=cost,
    )
    return Explanation.model_construct(
        line_id=problem.lines[li].line_id, supplier_id=supplier, chosen=chosen,
        source=f.source if chosen and f is not None else None, reason=reason,
        counterfactual=counterfactual, text_en=en, text_zh=zh,
    )


def explain_part(problem: PartProblem, quantities: dict[int, int]) -> list[Explanation]:
    """One explanation per shipment and one per candidate supplier not chosen, per line."""
    m = Margins(problem, quantities)
    out: list[Explanation] = []
    for li, flows in enumerate(problem.flows_by_line()):
        lx = _LineExplainer(m, li, flows)
        by_offer: dict[int, list[Flow]] = defaultdict(list)
        for f in flows:
            by_offer[f.offer].append(f)
        for oi in range(len(problem.offers)):
            used = [f for f in by_offer[oi] if quantities.get(f.index, 0) > 0]
            for f in used:
                out.append(_explanation(
                    problem, li, oi, f, True, lx.chosen(f), quantity=quantities[f.index],
                    cost=money(math.floor(m.landed[f.index])),
                ))
            if not used:
                reason, cf, g = lx.not_chosen(oi, by_offer[oi])
                cost = money(math.floor(m.landed[g.index])) if g is not None else ""
                out.append(_explanation(problem, li, oi, g, False, (reason, cf), cost=cost))
    return out


def unfilled_part(
    problem: PartProblem, quantities: dict[int, int], unfilled: dict[str, int]
) -> list[Unfilled]:
    """The reason each short line is short."""
    if not unfilled:
        return []
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
        elif sum(m.room[f.index] for f in flows) == 0:
            reason = ReasonCode.INSUFFICIENT_SUPPLY
        elif not line.allow_partial:
            reason = ReasonCode.PARTIAL_NOT_ALLOWED
        elif not line.allow_split:
            reason = ReasonCode.SPLIT_NOT_ALLOWED
        elif problem.policy.max_suppliers_per_line is not None:
            reason = ReasonCode.MAX_SUPPLIERS_REACHED
        else:
            reason = ReasonCode.UNECONOMIC
        en, zh = unfilled_sentence(reason, short, line.destination)
        out.append(Unfilled.model_construct(
            line_id=line.line_id, part_number=problem.part_number, quantity=short,
            reason=reason, text_en=en, text_zh=zh,
        ))
    return out
