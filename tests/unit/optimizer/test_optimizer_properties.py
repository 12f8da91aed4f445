"""Properties that hold for any request and any policy (hypothesis, seeded instances)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.generator import small
from optimizer.request import DEFAULT_PRIORITY_ORDER, Policy, Weights
from optimizer.solver import solve_with_details
from optimizer.validator import validate_plan

policies = st.builds(
    Policy,
    priority_order=st.permutations(DEFAULT_PRIORITY_ORDER).map(tuple),
    weights=st.builds(
        Weights,
        shipment_micros=st.none() | st.integers(0, 10**9),
        fairness_per_unit_micros=st.none() | st.integers(0, 10**8),
        late_per_unit_micros=st.none() | st.integers(0, 10**9),
    ),
    max_suppliers_per_line=st.none() | st.integers(1, 3),
    allow_late=st.booleans(),
    max_lateness_hours=st.integers(0, 96),
    backend=st.sampled_from(["auto", "highs", "scip", "cp_sat", "greedy"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), policy=policies)
def test_every_plan_validates_explains_itself_and_beats_greedy(seed: int, policy: Policy) -> None:
    request = small(seed, policy)
    plan, results = solve_with_details(request)
    assert validate_plan(request, plan) == []
    assert plan.solver.bound_micros <= plan.objective.total_micros
    assert plan.objective.total_micros <= sum(r.greedy_total for r in results)
    explained = {(e.line_id, e.supplier_id, e.source) for e in plan.explanations if e.chosen}
    assert explained == {(a.line_id, a.supplier_id, a.source) for a in plan.allocations}
    if not policy.allow_late:
        assert not any(a.late for a in plan.allocations)
    short = {u.line_id for u in plan.unfilled}
    assert short == {line.line_id for line in request.lines
                     if sum(a.quantity for a in plan.allocations if a.line_id == line.line_id)
                     < line.quantity}
