"""The independent validator rejects every kind of broken plan, and catches a solver that
returns a wrong plan or certifies a wrong optimum."""

from __future__ import annotations

import pytest
from optimizer_builders import HOUR, UNIT, line, offer, request

from optimizer import part_solver
from optimizer.backends import MIP_BACKENDS
from optimizer.linear_model import LinearModel, MipLimits, MipResult
from optimizer.plan import Plan
from optimizer.request import PlanRequest
from optimizer.solver import solve
from optimizer.validator import validate_plan


@pytest.fixture(scope="module")
def solved() -> tuple[PlanRequest, Plan]:
    offers = [offer("A", stock=60, price=10 * UNIT, fixed=UNIT),
              offer("B", stock=100, price=11 * UNIT, per_day=20, fixed=UNIT)]
    lines = [line("L1", quantity=80, due_hours=96), line("L2", quantity=50, due_hours=120)]
    req = request(lines, offers)
    plan = solve(req)
    assert validate_plan(req, plan) == []
    return req, plan


def _tamper(plan: Plan, index: int, **changes: object) -> Plan:
    allocations = list(plan.allocations)
    allocations[index] = allocations[index].model_copy(update=changes)
    return plan.model_copy(update={"allocations": tuple(allocations)})


def test_a_valid_plan_passes(solved) -> None:
    req, plan = solved
    assert validate_plan(req, plan) == []


@pytest.mark.parametrize("changes, expected", [
    ({"quantity": 10_000}, "stock"),
    ({"arrival_at": 0}, "arrival"),
    ({"late": True}, "late flag"),
    ({"unit_price_micros": 1}, "costs"),
    ({"landed_cost_micros": 1}, "costs"),
    ({"supplier_id": "NOBODY"}, "unknown"),
])
def test_a_tampered_shipment_is_rejected(solved, changes, expected) -> None:
    req, plan = solved
    errors = validate_plan(req, _tamper(plan, 0, **changes))
    assert any(expected in e for e in errors), errors


def test_a_late_arrival_is_rejected(solved) -> None:
    req, plan = solved
    first = plan.allocations[0]
    later = 1000 * HOUR
    errors = validate_plan(req, _tamper(plan, 0, ship_at=first.ship_at + later,
                                        arrival_at=first.arrival_at + later))
    assert any("after due" in e for e in errors), errors


def test_a_wrong_objective_or_bound_is_rejected(solved) -> None:
    req, plan = solved
    cheaper = plan.objective.model_copy(update={"total_micros": plan.objective.total_micros - 1})
    assert validate_plan(req, plan.model_copy(update={"objective": cheaper}))
    too_high = plan.solver.model_copy(update={"bound_micros": plan.objective.total_micros + 1})
    assert any("bound" in e for e in validate_plan(req, plan.model_copy(
        update={"solver": too_high})))


def test_missing_quantities_are_rejected(solved) -> None:
    req, plan = solved
    errors = validate_plan(req, plan.model_copy(update={"allocations": plan.allocations[1:]}))
    assert any("!=" in e for e in errors), errors


def test_production_beyond_daily_capacity_is_rejected() -> None:
    req = request([line(quantity=100, due_hours=100)], [offer("A", per_day=10, transit_hours=0)])
    plan = solve(req)
    assert validate_plan(req, plan) == []
    production = [i for i, a in enumerate(plan.allocations) if a.source == "production"]
    assert production
    broken = _tamper(plan, production[0], quantity=plan.allocations[production[0]].quantity + 5)
    assert any("a day" in e for e in validate_plan(req, broken))


def test_split_and_partial_rules_are_checked() -> None:
    req = request([line(quantity=100, allow_split=False, allow_partial=False)],
                  [offer("A", stock=100), offer("B", stock=100, price=11 * UNIT)])
    plan = solve(req)
    assert validate_plan(req, plan) == []
    half = plan.allocations[0].model_copy(update={"quantity": 50, "shipping_cost_micros": 0,
                                                   "landed_cost_micros": 50 * 10 * UNIT})
    other = half.model_copy(update={"supplier_id": "B", "unit_price_micros": 11 * UNIT,
                                    "landed_cost_micros": 50 * 11 * UNIT})
    errors = validate_plan(req, plan.model_copy(update={"allocations": (half, other)}))
    assert any("split not allowed" in e for e in errors), errors


# -- solver bugs ------------------------------------------------------------------------------


def _contested() -> PlanRequest:
    offers = [offer("A", stock=60, price=10 * UNIT, fixed=UNIT),
              offer("B", stock=100, price=11 * UNIT, fixed=UNIT)]
    return request([line("L1", quantity=80), line("L2", quantity=50)], offers,
                   backend="highs")


def _install(monkeypatch, fake) -> None:
    monkeypatch.setitem(MIP_BACKENDS, "highs", fake)
    monkeypatch.setattr(part_solver, "MIP_BACKENDS", MIP_BACKENDS)


def test_an_infeasible_solver_answer_falls_back_to_a_valid_plan(monkeypatch) -> None:
    def overdraws(model: LinearModel, limits: MipLimits) -> MipResult:
        values = list(model.upper)  # every flow at its own bound: more than the stock
        values = [v if v != float("inf") else 0.0 for v in values]
        return MipResult("optimal", values, 1.0, 1.0, "highs")

    _install(monkeypatch, overdraws)
    req = _contested()
    plan = solve(req)
    assert validate_plan(req, plan) == []
    assert plan.solver.status == "fallback"
    assert any("highs" in c for c in plan.solver.checks)


def test_a_wrong_certified_optimum_is_caught_by_the_bound_check(monkeypatch) -> None:
    def certifies_nothing(model: LinearModel, limits: MipLimits) -> MipResult:
        # Ships nothing and claims that is optimal, with its cost as the proven bound.
        values = [0.0] * model.num_vars
        for row in model.rows:
            if row.name.startswith("demand"):
                values[row.variables[-1]] = row.lower
        cost = model.objective_of(values)
        return MipResult("optimal", values, cost, cost, "highs")

    _install(monkeypatch, certifies_nothing)
    req = _contested()
    plan = solve(req)
    assert validate_plan(req, plan) == []
    assert plan.filled_quantity == 130  # the heuristic plan, not the solver's
    assert plan.solver.status != "optimal"
    assert any("bound" in c for c in plan.solver.checks)
    assert plan.solver.bound_micros <= plan.objective.total_micros
