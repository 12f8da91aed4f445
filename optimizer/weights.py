"""Penalty weights in micros: explicit ones from the policy, the rest derived from its priorities.

Terms ranked above cost get per-unit penalties that dominate any unit's landed cost of the part
(so filling beats leaving short, and being on time beats being late); terms ranked below cost
get small tie-breaking penalties. Explicit weights override the derivation field by field.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.request import DemandLine, ObjectiveTerm, Offer, Policy


@dataclass(frozen=True, slots=True)
class PartWeights:
    shortage_per_unit: int
    late_per_unit: int
    shipment: int
    fairness_per_unit: int
    unreliability_per_unit: int


def _above_or_below(reference: int, rank_gap: int) -> int:
    """Dominating above cost (rank_gap > 0), a tie-breaker below it."""
    if rank_gap > 0:
        return reference * (1 + 2**rank_gap)
    return reference // 10 ** (1 - rank_gap)


def reference_unit_value(lines: list[DemandLine], offers: list[Offer]) -> int:
    """The most one unit of this part can cost when shipped alone (price, shipping, fixed cost)."""
    destinations = {line.destination for line in lines}
    value = 1
    for offer in offers:
        price = max(offer.unit_price_micros, offer.production_price_micros)
        for lane in offer.lanes:
            if lane.destination in destinations:
                landed = price + lane.shipping_cost_per_unit_micros
                value = max(value, landed + lane.shipment_fixed_cost_micros)
    return value


def max_fixed_cost(lines: list[DemandLine], offers: list[Offer]) -> int:
    destinations = {line.destination for line in lines}
    return max(
        (lane.shipment_fixed_cost_micros for o in offers for lane in o.lanes
         if lane.destination in destinations),
        default=0,
    )


def part_weights(policy: Policy, lines: list[DemandLine], offers: list[Offer]) -> PartWeights:
    value = reference_unit_value(lines, offers)
    fixed = max_fixed_cost(lines, offers) or value
    order = list(policy.priority_order)
    cost_rank = order.index(ObjectiveTerm.COST)

    def gap(term: ObjectiveTerm) -> int:
        return cost_rank - order.index(term)

    ship_gap = gap(ObjectiveTerm.SHIPMENTS)
    if ship_gap > 0:
        mean_quantity = sum(line.quantity for line in lines) // max(1, len(lines))
        derived_shipment = value * max(1, mean_quantity) * 2**ship_gap
    else:
        derived_shipment = fixed // 10 ** (-ship_gap)
    explicit = policy.weights

    def pick(given: int | None, derived: int) -> int:
        return derived if given is None else given

    return PartWeights(
        shortage_per_unit=pick(
            explicit.shortage_per_unit_micros,
            _above_or_below(value, gap(ObjectiveTerm.FILL_RATE)),
        ),
        late_per_unit=pick(
            explicit.late_per_unit_micros, _above_or_below(value, gap(ObjectiveTerm.ON_TIME))
        ),
        shipment=pick(explicit.shipment_micros, derived_shipment),
        fairness_per_unit=pick(
            explicit.fairness_per_unit_micros,
            _above_or_below(value, gap(ObjectiveTerm.FAIRNESS)),
        ),
        unreliability_per_unit=pick(explicit.unreliability_per_unit_micros, value // 10),
    )


def unreliability_per_unit(weights: PartWeights, offer: Offer) -> int:
    return weights.unreliability_per_unit * (1000 - offer.reliability_permille) // 1000
