"""OR-Tools against an independent PuLP/CBC formulation on seeded random small instances."""

from __future__ import annotations

import pytest

from optimizer.generator import small
from optimizer.pulp_model import solve_with_pulp
from optimizer.request import Policy, Weights
from optimizer.solver import solve
from optimizer.validator import validate_plan

SEEDS = range(60)


def _policy(seed: int) -> Policy:
    """Cycle through the policy features so each is cross-checked on many instances."""
    variant = seed % 4
    if variant == 1:
        return Policy(allow_late=True, max_lateness_hours=48, relative_gap_ppm=0)
    if variant == 2:
        return Policy(max_suppliers_per_line=2, relative_gap_ppm=0)
    if variant == 3:
        return Policy(relative_gap_ppm=0, weights=Weights(
            fairness_per_unit_micros=2_000_000, shipment_micros=50_000_000))
    return Policy(relative_gap_ppm=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_ortools_and_pulp_agree_and_the_plan_validates(seed: int) -> None:
    request = small(seed, _policy(seed))
    plan = solve(request)
    assert validate_plan(request, plan) == []
    assert plan.solver.status == "optimal", plan.solver
    reference = solve_with_pulp(request)
    assert reference.status == "Optimal"
    ours = plan.objective.total_micros
    assert abs(ours - reference.objective) <= 0.001 * max(abs(reference.objective), 1.0), (
        ours, reference.objective,
    )
