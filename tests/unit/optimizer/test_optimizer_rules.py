"""One test per planning rule of the optimizer, on hand-built requests."""

from __future__ import annotations

from optimizer_builders import (
    UNIT,
    allocations_of,
    explanation,
    line,
    offer,
    request,
    shipped,
)

from optimizer.plan import ReasonCode
from optimizer.request import Weights
from optimizer.solver import solve
from optimizer.validator import validate_plan


def _solve(req):
    plan = solve(req)
    assert validate_plan(req, plan) == []
    return plan


# -- stock before production when cheaper ---------------------------------------------------


def test_stock_is_used_before_production_when_it_is_cheaper() -> None:
    supplier = offer("A", stock=100, price=10 * UNIT, production_unit_price_micros=12 * UNIT,
                     per_day=50)
    plan = _solve(request([line(quantity=80, due_hours=120)], [supplier]))
    assert shipped(plan) == {("A", "stock"): 80}


def test_production_is_used_when_it_is_the_cheaper_source() -> None:
    supplier = offer("A", stock=100, price=10 * UNIT, production_unit_price_micros=8 * UNIT,
                     per_day=50)
    plan = _solve(request([line(quantity=80, due_hours=120)], [supplier]))
    assert shipped(plan) == {("A", "production"): 80}


def test_production_tops_up_exhausted_stock_and_says_so() -> None:
    supplier = offer("A", stock=30, price=10 * UNIT, production_unit_price_micros=12 * UNIT,
                     per_day=50)
    plan = _solve(request([line(quantity=80, due_hours=120)], [supplier]))
    assert shipped(plan) == {("A", "stock"): 30, ("A", "production"): 50}
    made = [e for e in plan.explanations if e.chosen and e.source == "production"]
    assert made[0].reason == ReasonCode.CHEAPER_CAPACITY_EXHAUSTED


# -- due times --------------------------------------------------------------------------------


def _late_and_on_time() -> list:
    return [
        offer("A", stock=100, price=8 * UNIT, transit_hours=100),  # cheap, arrives at 100 h
        offer("B", stock=100, price=10 * UNIT, transit_hours=10),
    ]


def test_a_late_arrival_is_never_planned_when_lateness_is_not_allowed() -> None:
    plan = _solve(request([line(quantity=80, due_hours=48)], _late_and_on_time()))
    assert shipped(plan) == {("B", "stock"): 80}
    assert all(a.arrival_at <= a.ship_at + 10 * 3_600_000 for a in plan.allocations)
    assert not any(a.late for a in plan.allocations)
    late = explanation(plan, "L1", "A", chosen=False)
    assert late.reason == ReasonCode.TOO_LATE
    assert late.counterfactual is not None and late.counterfactual.value == 52
    assert explanation(plan, "L1", "B", chosen=True).reason == ReasonCode.ONLY_SOURCE_IN_TIME


def test_lateness_allowed_and_penalised_is_planned_only_when_it_pays() -> None:
    cheap_penalty = request(
        [line(quantity=80, due_hours=48)], _late_and_on_time(), allow_late=True,
        max_lateness_hours=72, weights=Weights(late_per_unit_micros=1 * UNIT),
    )
    plan = _solve(cheap_penalty)
    assert shipped(plan) == {("A", "stock"): 80}
    assert all(a.late for a in plan.allocations)
    assert plan.objective.late_micros == 80 * UNIT
    assert explanation(plan, "L1", "A", chosen=True).reason == ReasonCode.LATE_PENALISED

    dear_penalty = cheap_penalty.model_copy(update={"policy": cheap_penalty.policy.model_copy(
        update={"weights": Weights(late_per_unit_micros=5 * UNIT)})})
    assert shipped(_solve(dear_penalty)) == {("B", "stock"): 80}


def test_lateness_beyond_the_allowed_window_is_never_planned() -> None:
    req = request([line(quantity=80, due_hours=48)], [_late_and_on_time()[0]],
                  allow_late=True, max_lateness_hours=24)
    plan = _solve(req)
    assert plan.allocations == ()
    assert plan.unfilled[0].reason == ReasonCode.TOO_LATE


def test_production_delivers_only_what_capacity_makes_by_the_due_time() -> None:
    # Lead time 2 days, 10 a day, due at day 5 with no transit: 3 days of production.
    supplier = offer("A", per_day=10, lead_days=2, transit_hours=0)
    plan = _solve(request([line(quantity=100, due_hours=5 * 24)], [supplier]))
    assert shipped(plan) == {("A", "production"): 30}
    assert all(a.arrival_at <= plan_line_due(req_due_hours=5 * 24) for a in plan.allocations)
    assert plan.unfilled[0].quantity == 70
    assert plan.unfilled[0].reason == ReasonCode.INSUFFICIENT_SUPPLY


def plan_line_due(req_due_hours: int) -> int:
    return line(due_hours=req_due_hours).due_at


def test_production_capacity_is_shared_in_due_order() -> None:
    # 10 a day from day 0: the early line (due day 2) can have 20, both together 50 by day 5.
    supplier = offer("A", per_day=10, transit_hours=0)
    lines = [line("EARLY", quantity=20, due_hours=48), line("LATE", quantity=30, due_hours=120)]
    plan = _solve(request(lines, [supplier]))
    assert plan.filled_quantity == 50
    early = [a for a in plan.allocations if a.line_id == "EARLY"]
    assert early and all(a.arrival_at <= lines[0].due_at for a in early)


# -- fairness ---------------------------------------------------------------------------------


def _contributors(price_a: int) -> list:
    # Equal contributions; A has already been drawn heavily, B not at all.
    return [
        offer("A", stock=100, price=price_a, contributed_quantity=100, drawn_quantity=200),
        offer("B", stock=100, price=10 * UNIT + UNIT // 10, contributed_quantity=100),
    ]


def test_without_fairness_the_cheaper_over_drawn_contributor_wins() -> None:
    req = request([line(quantity=50)], _contributors(10 * UNIT),
                  weights=Weights(fairness_per_unit_micros=0))
    assert shipped(_solve(req)) == {("A", "stock"): 50}


def test_fairness_moves_draws_toward_the_under_drawn_contributor() -> None:
    req = request([line(quantity=50)], _contributors(10 * UNIT),
                  weights=Weights(fairness_per_unit_micros=UNIT))
    plan = _solve(req)
    assert shipped(plan) == {("B", "stock"): 50}
    assert explanation(plan, "L1", "B", chosen=True).reason == ReasonCode.FAIRNESS_BALANCING
    assert explanation(plan, "L1", "A", chosen=False).reason == ReasonCode.FAIRNESS_BALANCING
    # |200*250 - 100*250| + |200*50 - 100*250| = 30000, x 1 unit / 200 contributed.
    assert plan.objective.fairness_micros == 150 * UNIT


# -- split penalty ----------------------------------------------------------------------------


def _split_offers() -> list:
    return [
        offer("A", stock=60, price=10 * UNIT),
        offer("B", stock=60, price=10 * UNIT),
        offer("C", stock=100, price=10 * UNIT + UNIT // 5),
    ]


def test_without_a_split_penalty_the_line_is_split_between_the_cheapest() -> None:
    req = request([line(quantity=100)], _split_offers(), weights=Weights(shipment_micros=0))
    plan = _solve(req)
    assert plan.shipments == 2
    assert {a.supplier_id for a in plan.allocations} == {"A", "B"}


def test_the_split_penalty_reduces_the_number_of_shipments() -> None:
    req = request([line(quantity=100)], _split_offers(),
                  weights=Weights(shipment_micros=50 * UNIT))
    plan = _solve(req)
    assert plan.shipments == 1
    assert shipped(plan) == {("C", "stock"): 100}
    assert explanation(plan, "L1", "C", chosen=True).reason == ReasonCode.SPLIT_AVOIDED
    assert explanation(plan, "L1", "A", chosen=False).reason == ReasonCode.SPLIT_AVOIDED


def test_fixed_shipment_costs_also_avoid_splits() -> None:
    offers = [offer("A", stock=60, fixed=50 * UNIT), offer("B", stock=60, fixed=50 * UNIT),
              offer("C", stock=100, price=10 * UNIT + UNIT // 5, fixed=50 * UNIT)]
    plan = _solve(request([line(quantity=100)], offers, weights=Weights(shipment_micros=0)))
    assert plan.shipments == 1
    assert plan.objective.fixed_micros == 50 * UNIT


def test_max_suppliers_per_line_is_respected() -> None:
    offers = [offer("A", stock=40, price=10 * UNIT), offer("B", stock=40, price=11 * UNIT),
              offer("C", stock=40, price=12 * UNIT)]
    plan = _solve(request([line(quantity=100)], offers, max_suppliers_per_line=2))
    assert {a.supplier_id for a in plan.allocations} == {"A", "B"}
    assert plan.unfilled[0].quantity == 20
    assert plan.unfilled[0].reason == ReasonCode.MAX_SUPPLIERS_REACHED
    assert explanation(plan, "L1", "C", chosen=False).reason == ReasonCode.MAX_SUPPLIERS_REACHED


# -- shortages --------------------------------------------------------------------------------


def test_shortages_come_with_reasons_and_never_raise() -> None:
    lines = [
        line("SHORT", part="P1", quantity=100),
        line("NOBODY", part="P2", quantity=10),
        line("NOWAY", part="P3", quantity=10, destination="FAR"),
        line("TOOLATE", part="P4", quantity=10, due_hours=5),
        line("WHOLE", part="P5", quantity=100, allow_partial=False),
        line("ONESHOT", part="P6", quantity=100, allow_split=False),
    ]
    offers = [
        offer("A", part="P1", stock=30),
        offer("A", part="P3", stock=30),
        offer("A", part="P4", stock=30, transit_hours=10),
        offer("A", part="P5", stock=60),
        offer("A", part="P6", stock=60), offer("B", part="P6", stock=60),
    ]
    plan = _solve(request(lines, offers))
    reasons = {u.line_id: (u.reason, u.quantity) for u in plan.unfilled}
    assert reasons == {
        "SHORT": (ReasonCode.INSUFFICIENT_SUPPLY, 70),
        "NOBODY": (ReasonCode.NO_OFFER, 10),
        "NOWAY": (ReasonCode.NO_ROUTE, 10),
        "TOOLATE": (ReasonCode.TOO_LATE, 10),
        "WHOLE": (ReasonCode.PARTIAL_NOT_ALLOWED, 100),
        "ONESHOT": (ReasonCode.SPLIT_NOT_ALLOWED, 40),
    }
    assert all(u.text_en and u.text_zh for u in plan.unfilled)
    assert plan.objective.shortage_micros > 0


# -- explanations -----------------------------------------------------------------------------


def test_explanations_name_the_cheapest_and_the_price_that_would_change_it() -> None:
    offers = [offer("A", stock=100, price=10 * UNIT), offer("B", stock=100, price=11 * UNIT)]
    plan = _solve(request([line(quantity=50)], offers))
    winner = explanation(plan, "L1", "A", chosen=True)
    loser = explanation(plan, "L1", "B", chosen=False)
    assert winner.reason == ReasonCode.CHEAPEST_LANDED_COST
    assert loser.reason == ReasonCode.HIGHER_LANDED_COST
    assert loser.counterfactual is not None and winner.counterfactual is not None
    assert loser.counterfactual.kind == "unit_price_at_most"
    assert "B" in loser.text_en and "B" in loser.text_zh

    # At the threshold price B wins; above A's own threshold A loses.
    b_cheaper = [offers[0], offers[1].model_copy(
        update={"unit_price_micros": loser.counterfactual.value})]
    assert shipped(_solve(request([line(quantity=50)], b_cheaper))) == {("B", "stock"): 50}
    a_dearer = [offers[0].model_copy(
        update={"unit_price_micros": winner.counterfactual.value + 1}), offers[1]]
    assert shipped(_solve(request([line(quantity=50)], a_dearer))) == {("B", "stock"): 50}


def test_explanations_name_exhausted_capacity() -> None:
    offers = [offer("A", stock=100, price=10 * UNIT, fixed=UNIT),
              offer("B", stock=100, price=12 * UNIT, fixed=UNIT)]
    lines = [line("L1", quantity=100), line("L2", quantity=50)]
    plan = _solve(request(lines, offers))
    assert shipped(plan, "L1") == {("A", "stock"): 100}
    assert shipped(plan, "L2") == {("B", "stock"): 50}
    assert explanation(plan, "L2", "A", chosen=False).reason == ReasonCode.CAPACITY_EXHAUSTED
    assert (explanation(plan, "L2", "B", chosen=True).reason
            == ReasonCode.CHEAPER_CAPACITY_EXHAUSTED)


def test_every_allocation_and_every_candidate_has_an_explanation() -> None:
    offers = [offer("A", stock=40), offer("B", stock=40, price=11 * UNIT),
              offer("C", stock=40, price=12 * UNIT), offer("D", stock=40, destination="FAR")]
    plan = _solve(request([line(quantity=100)], offers))
    chosen = {(e.supplier_id, e.source) for e in plan.explanations if e.chosen}
    assert chosen == {(a.supplier_id, a.source) for a in plan.allocations}
    assert {e.supplier_id for e in plan.explanations} == {"A", "B", "C", "D"}
    assert explanation(plan, "L1", "D", chosen=False).reason == ReasonCode.NO_ROUTE
    assert all(e.text_en and e.text_zh for e in plan.explanations)
    assert allocations_of(plan, "D") == []
