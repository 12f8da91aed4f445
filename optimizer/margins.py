"""Marginal prices of a part's plan, the basis of its explanations.

A line's price is what one unit costs its most expensive current source (or its shortage
penalty when it is short); a candidate's price is its landed cost per unit with its shipment
cost spread over what it could carry, plus the exact change in the fairness penalty if it drew
one more pooled unit. These are the dual prices of the plan with its shipment decisions fixed,
taken one-sided so they are unique (that LP's own duals are degenerate whenever one shipment
carries a whole line). Thresholds are exact integers; rankings use the same values as floats.
"""

from __future__ import annotations

from collections import defaultdict

from optimizer.flows import Flow, PartProblem
from optimizer.greedy import Capacity


class Margins:
    """Marginal prices of one part's plan, computed once per flow, offer and line: floats for
    ranking, exact fractions on demand for the thresholds that are reported."""

    def __init__(self, problem: PartProblem, quantities: dict[int, int]) -> None:
        self.problem = problem
        self.quantities = quantities
        capacity = Capacity(problem)
        draws: dict[int, int] = defaultdict(int)
        for index, quantity in quantities.items():
            f = problem.flows[index]
            capacity.take(f, quantity)
            if f.source == "stock":
                draws[f.offer] += quantity
        self.room = [capacity.room(f) for f in problem.flows]
        self.scale = sum(o.contributed_quantity for o in problem.offers) or 1
        self.fair_add = self._deviation_changes(draws, +1)  # offer -> change x weight x scale
        self.fair_remove = self._deviation_changes(draws, -1)
        self.carry = [
            quantities.get(f.index, 0)
            or max(1, min(self.room[f.index], problem.lines[f.line].quantity))
            for f in problem.flows
        ]
        self.landed = [
            f.unit_cost + f.shipment_cost / self.carry[f.index] for f in problem.flows
        ]
        self.rank = [self.landed[f.index] + self.fairness_of(f) for f in problem.flows]

    def _deviation_changes(self, draws: dict[int, int], units: int) -> list[int]:
        """Per offer: weight x scale x the change of the fairness penalty if its pool draw
        changed by units (an integer, so it stays exact)."""
        offers = self.problem.offers
        if not self.problem.fairness_on:
            return [0] * len(offers)
        scale = self.scale
        pool = sum(o.drawn_quantity for o in offers) + sum(draws.values())
        gaps = [scale * (o.drawn_quantity + draws.get(oi, 0)) - o.contributed_quantity * pool
                for oi, o in enumerate(offers)]
        base = sum(abs(g) for g in gaps)
        weight = self.problem.weights.fairness_per_unit
        changes = []
        for oi in range(len(offers)):
            moved = sum(
                abs(g + (scale * units if i == oi else 0) - offers[i].contributed_quantity * units)
                for i, g in enumerate(gaps)
            )
            changes.append(weight * (moved - base))
        return changes

    def fairness_of(self, f: Flow) -> float:
        return self.fair_add[f.offer] / self.scale if f.source == "stock" else 0.0

    def scaled_unit(self, f: Flow) -> int:
        """(unit cost + fairness change of one more unit) x scale, shipment cost aside."""
        return f.unit_cost * self.scale + (self.fair_add[f.offer] if f.source == "stock" else 0)

    def _scaled_rank(self, f: Flow) -> tuple[int, int]:
        """rank x denominator, denominator: the exact value as an integer fraction."""
        fair = self.fair_add[f.offer] if f.source == "stock" else 0
        carry = self.carry[f.index]
        return (f.unit_cost * carry + f.shipment_cost) * self.scale + fair * carry, (
            carry * self.scale
        )

    def floor_above(self, f: Flow, price_scaled: int) -> int:
        """floor(rank(f) - price_scaled / scale), exactly."""
        top, den = self._scaled_rank(f)
        return (top - price_scaled * self.carry[f.index]) // den

    def floor_between(self, rival: Flow, f: Flow) -> int:
        """floor(rank(rival) - landed(f)), exactly."""
        top, den = self._scaled_rank(rival)
        carry = self.carry[f.index]
        own = (f.unit_cost * carry + f.shipment_cost) * self.scale
        return (top * carry - own * self.carry[rival.index]) // (den * carry)

    def line_prices(self, li: int, flows: list[Flow]) -> tuple[int, int]:
        """What one more unit of the line is worth at the margin: (without fairness, with
        fairness x scale)."""
        used = [f for f in flows if self.quantities.get(f.index, 0) > 0]
        if sum(self.quantities[f.index] for f in used) < self.problem.lines[li].quantity:
            shortage = self.problem.shortage_per_unit(li)
            return shortage, shortage * self.scale
        direct = max(f.unit_cost for f in used)
        fair = max(
            f.unit_cost * self.scale - (self.fair_remove[f.offer] if f.source == "stock" else 0)
            for f in used
        )
        return direct, fair
