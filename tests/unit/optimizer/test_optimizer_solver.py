"""Determinism, time limits, decomposition and the heuristics' plans."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from optimizer.flows import decompose
from optimizer.generator import FAMILIES, generate, small
from optimizer.greedy import greedy
from optimizer.mincostflow import min_cost_flow_plan
from optimizer.parallel import solve_all
from optimizer.part_solver import evaluate
from optimizer.plan import Plan
from optimizer.request import Policy
from optimizer.solver import solve, solve_with_details
from optimizer.validator import validate_plan

MEDIUM = replace(FAMILIES["12x200"], lines=60)
# Proven within 1% long before the time limit, so no part is cut by the wall clock: that is
# when the plan is deterministic (docs/optimizer.md).
SETTLED = Policy(relative_gap_ppm=10_000, time_limit_ms=60_000)


def _stable(plan: Plan) -> dict:
    """The plan without its wall time, the one field allowed to differ between runs."""
    dumped = plan.model_dump()
    dumped["solver"].pop("solve_ms")
    return dumped


def test_the_same_input_gives_the_same_plan() -> None:
    request = generate(MEDIUM, 7, SETTLED)
    assert _stable(solve(request)) == _stable(solve(request))


def test_the_order_of_lines_and_offers_does_not_change_the_plan() -> None:
    request = generate(MEDIUM, 8, SETTLED)
    rng = random.Random(1)
    lines, offers = list(request.lines), list(request.offers)
    rng.shuffle(lines)
    rng.shuffle(offers)
    shuffled = request.model_copy(update={"lines": tuple(lines), "offers": tuple(offers)})
    assert _stable(solve(request)) == _stable(solve(shuffled))


def test_parallel_workers_give_the_same_plan_as_one() -> None:
    request = generate(MEDIUM, 9, SETTLED)
    two = request.model_copy(update={"policy": SETTLED.model_copy(update={"workers": 2})})
    assert _stable(solve(request)) == _stable(solve(two))


def test_a_tight_time_limit_still_returns_a_valid_plan_with_its_gap() -> None:
    request = generate(FAMILIES["12x200"], 3, Policy(time_limit_ms=150))
    plan = solve(request)
    assert validate_plan(request, plan) == []
    assert plan.filled_quantity > 0
    assert 0 <= plan.solver.bound_micros <= plan.objective.total_micros
    assert plan.solver.gap_ppm >= 0
    assert plan.solver.solve_ms < 5_000


@pytest.mark.parametrize("workers", [1, 2])
def test_the_deadline_is_the_callers_clock_so_a_late_worker_runs_no_mip(workers: int) -> None:
    # The deadline is absolute (time.monotonic): time spent before a worker starts counts
    # against it. One already passed leaves every part to its heuristics and the LP bound.
    request = generate(MEDIUM, 11, SETTLED)
    policy = SETTLED.model_copy(update={"workers": workers})
    results = solve_all(decompose(request), policy, time.monotonic() - 0.001)
    assert {r.backend for r in results} == {"none"}
    plenty = solve_all(decompose(request), policy, time.monotonic() + 60)
    assert "none" not in {r.backend for r in plenty}


def test_parts_are_solved_independently() -> None:
    request = generate(MEDIUM, 10, SETTLED)
    parts = decompose(request)
    assert len(parts) == len({line.part_number for line in request.lines})
    _, results = solve_with_details(request)
    plan = solve(request)
    assert plan.objective.total_micros == sum(r.objective.total_micros for r in results)


@pytest.mark.parametrize("seed", range(25))
def test_heuristic_plans_are_valid_and_never_beat_the_proven_bound(seed: int) -> None:
    request = small(seed)
    plan = solve(request)
    for problem in decompose(request):
        for origin, quantities in (("greedy", greedy(problem)),
                                   ("mcf", min_cost_flow_plan(problem))):
            candidate = evaluate(problem, origin, quantities)
            assert candidate.errors == [], (origin, candidate.errors)
    _, results = solve_with_details(request)
    assert sum(r.greedy_total for r in results) >= plan.solver.bound_micros


def test_an_empty_request_part_without_offers_is_all_shortage() -> None:
    request = generate(MEDIUM, 11, SETTLED)
    request = request.model_copy(update={"offers": ()})
    plan = solve(request)
    assert plan.allocations == ()
    assert sum(u.quantity for u in plan.unfilled) == plan.demanded_quantity
    assert validate_plan(request, plan) == []
