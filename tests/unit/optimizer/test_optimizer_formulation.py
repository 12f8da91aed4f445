"""The MIP's continuous flow quantities: whole units out of fractional solutions, and the
exact model when fractions stand between the plan and its proof."""

from __future__ import annotations

from optimizer_builders import UNIT, line, offer, request

from optimizer.flows import decompose
from optimizer.formulation import build_mip, integral_flows
from optimizer.linear_model import MipResult
from optimizer.part_solver import _check_mip
from optimizer.request import Weights
from optimizer.solver import solve
from optimizer.validator import validate_plan


def _fair_split_request(**policy: object):
    # Same price, contributions 1 : 2, one line of 10: the fair draws are 10/3 and 20/3.
    suppliers = [
        offer("A", stock=100, contributed_quantity=1),
        offer("B", stock=100, contributed_quantity=2),
    ]
    return request([line(quantity=10)], suppliers,
                   weights=Weights(fairness_per_unit_micros=UNIT), **policy)


def test_flow_quantities_are_continuous_and_the_exact_model_makes_them_whole() -> None:
    problem = decompose(_fair_split_request())[0]
    pm = build_mip(problem)
    assert not any(pm.model.integer[x] for x in pm.x)
    exact = integral_flows(pm)
    assert all(exact.integer[x] for x in pm.x)
    assert exact.rows is pm.model.rows  # the same rows: only the quantities become whole


def test_a_fractional_solution_becomes_whole_units_without_a_failed_check() -> None:
    problem = decompose(_fair_split_request())[0]
    pm = build_mip(problem)
    values = [0.0] * pm.model.num_vars
    for f in problem.flows:
        values[pm.x[f.index]] = 10 / 3 if problem.offers[f.offer].supplier_id == "A" else 20 / 3
    result = MipResult("feasible", values, 0.0, 0.0, "highs")
    checks: list[str] = []
    candidate = _check_mip(problem, pm, "highs", result, checks)
    assert checks == []
    assert candidate is not None and candidate.errors == []
    assert sum(candidate.quantities.values()) == 10
    assert all(isinstance(q, int) for q in candidate.quantities.values())


def test_a_fractional_optimum_is_proven_on_the_exact_model() -> None:
    # The continuous optimum draws 10/3 from A (no fairness cost); in whole units the best
    # is 3 or 4, which costs a fraction of a unit of fairness above the continuous bound.
    for backend in ("highs", "auto"):
        req = _fair_split_request(relative_gap_ppm=0, backend=backend, time_limit_ms=60_000)
        plan = solve(req)
        assert validate_plan(req, plan) == []
        assert plan.solver.status == "optimal", plan.solver
        # The continuous bound is 2/3 of a unit lower; the exact model's is the optimum.
        assert plan.solver.objective_micros - plan.solver.bound_micros <= 2
        assert plan.objective.fairness_micros == 2 * UNIT // 3 + 1  # |3*3 - 10| + |3*7 - 20|
