"""OR-Tools against an independent PuLP/CBC formulation on seeded random small instances."""

from __future__ import annotations

import pytest

from optimizer.generator import small
from optimizer.pulp_model import solve_with_pulp
from optimizer.request import Policy, Weights
from optimizer.solver import solve
from optimizer.validator import validate_plan

SEEDS = range(60)


def _policy(seed: int, backend: str) -> Policy:
    """Cycle through the policy features so each is cross-checked on many instances."""
    variant = seed % 4
    # Proven optimal long before the time limit, however loaded the machine is.
    common = {"relative_gap_ppm": 0, "backend": backend, "time_limit_ms": 60_000}
    if variant == 1:
        return Policy(allow_late=True, max_lateness_hours=48, **common)
    if variant == 2:
        return Policy(max_suppliers_per_line=2, **common)
    if variant == 3:
        return Policy(weights=Weights(
            fairness_per_unit_micros=2_000_000, shipment_micros=50_000_000), **common)
    return Policy(**common)


# HiGHS alone keeps the check independent of CBC, the engine behind PuLP; "auto" (HiGHS then
# CBC) is the shipped default.
@pytest.mark.parametrize("backend", ["highs", "auto"])
@pytest.mark.parametrize("seed", SEEDS)
def test_ortools_and_pulp_agree_and_the_plan_validates(seed: int, backend: str) -> None:
    request = small(seed, _policy(seed, backend))
    plan = solve(request)
    assert validate_plan(request, plan) == []
    assert plan.solver.status == "optimal", plan.solver
    reference = solve_with_pulp(request)
    assert reference.status == "Optimal"
    ours = plan.objective.total_micros
    assert abs(ours - reference.objective) <= 0.001 * max(abs(reference.objective), 1.0), (
        ours, reference.objective,
    )
