"""Solves one part: heuristic plans, the MIP warm-started from the best, and cross-checks.

Every candidate plan goes through the validator; the MIP's claimed objective and bound are
checked against the recomputed objective and against every other valid plan. When a check
fails the bound falls back to an independent LP relaxation and the best valid plan wins.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Literal

from optimizer.backends import MIP_BACKENDS, solve_lp
from optimizer.flows import PartProblem
from optimizer.formulation import PartModel, build_mip, build_relaxation
from optimizer.greedy import greedy
from optimizer.linear_model import LinearModel, MipLimits
from optimizer.mincostflow import min_cost_flow_plan
from optimizer.plan import Allocation, Objective
from optimizer.schedule import schedule
from optimizer.validator import check_shipments, plan_objective


@dataclass(slots=True)
class Candidate:
    origin: str
    quantities: dict[int, int]
    allocations: list[Allocation]
    unfilled: dict[str, int]
    objective: Objective
    errors: list[str]

    @property
    def total(self) -> int:
        return self.objective.total_micros


@dataclass(slots=True)
class PartOutcome:
    problem: PartProblem
    chosen: Candidate
    bound: int
    status: Literal["optimal", "feasible", "fallback"]
    backend: str
    greedy_total: int
    checks: list[str] = field(default_factory=list)
    solver_s: float = 0.0  # wall time inside the MIP backend


def evaluate(problem: PartProblem, origin: str, quantities: dict[int, int]) -> Candidate:
    quantities = {i: q for i, q in quantities.items() if q > 0}
    allocations = schedule(problem, quantities)
    filled: dict[str, int] = {}
    for a in allocations:
        filled[a.line_id] = filled.get(a.line_id, 0) + a.quantity
    unfilled = {
        line.line_id: line.quantity - filled.get(line.line_id, 0)
        for line in problem.lines if line.quantity != filled.get(line.line_id, 0)
    }
    args = (problem.policy, problem.lines, problem.offers, allocations, unfilled)
    errors = check_shipments(problem.now_at, *args)
    return Candidate(origin, quantities, allocations, unfilled, plan_objective(*args), errors)


def _hint(pm: PartModel, problem: PartProblem, quantities: dict[int, int]) -> dict[int, float]:
    hint: dict[int, float] = {}
    for f in problem.flows:
        q = quantities.get(f.index, 0)
        hint[pm.x[f.index]] = q
        y = pm.y[f.index]
        if y is not None:
            hint[y] = 1 if q > 0 else 0
    return hint


def _read_quantities(pm: PartModel, values: list[float]) -> tuple[dict[int, int], list[str]]:
    quantities, problems = {}, []
    for index, var in enumerate(pm.x):
        value = values[var]
        q = round(value)
        if abs(value - q) > 1e-5:
            problems.append(f"flow {index}: solver returned fractional {value}")
        if q > 0:
            quantities[index] = q
    return quantities, problems


_NO_BOUND = 1e18  # solvers report "no bound yet" as -inf or as -1e20 (SCIP)


def _floor_bound(value: float) -> int | None:
    if not math.isfinite(value) or abs(value) >= _NO_BOUND:
        return None
    return math.floor(value - 1e-9 * abs(value)) - 1


def lp_bound(problem: PartProblem, model: LinearModel | None = None) -> int:
    """The LP relaxation's optimum: a lower bound from a second, independent solver."""
    result = solve_lp(model if model is not None else build_relaxation(problem))
    bound = _floor_bound(result.bound) if result.status == "optimal" else None
    return 0 if bound is None else bound


PartStatus = Literal["optimal", "feasible", "fallback"]


def _heuristic_outcome(
    problem: PartProblem, backend: str, chosen: Candidate, greedy_total: int, checks: list[str]
) -> PartOutcome:
    bound = lp_bound(problem) if problem.flows else chosen.total
    status: PartStatus = "optimal" if bound >= chosen.total else "feasible"
    return PartOutcome(problem, chosen, min(bound, chosen.total), status, backend,
                       greedy_total, checks)


def solve_part(
    problem: PartProblem, backend: str, time_limit_s: float, relative_gap: float
) -> PartOutcome:
    heuristics = [
        evaluate(problem, "greedy", greedy(problem)),
        evaluate(problem, "min_cost_flow", min_cost_flow_plan(problem)),
    ]
    checks = [f"{c.origin}: {e}" for c in heuristics for e in c.errors]
    valid = [c for c in heuristics if not c.errors]
    greedy_total = heuristics[0].total
    best = min(valid, key=lambda c: c.total) if valid else evaluate(problem, "empty", {})
    if backend == "greedy" and valid:
        return _heuristic_outcome(problem, backend, heuristics[0], greedy_total, checks)
    if backend == "greedy" or not problem.flows:
        return _heuristic_outcome(problem, backend, best, greedy_total, checks)
    pm = build_mip(problem)
    pm.model.hint = _hint(pm, problem, best.quantities)
    started = time.perf_counter()
    result = MIP_BACKENDS[backend](pm.model, MipLimits(time_limit_s, relative_gap))
    solver_s = time.perf_counter() - started
    chosen = best
    if result.values is not None:
        quantities, fractional = _read_quantities(pm, result.values)
        mip = evaluate(problem, backend, quantities)
        checks += fractional + [f"{backend}: {e}" for e in mip.errors]
        if not mip.errors and mip.total > result.objective + 1e-6 * abs(result.objective) + 2:
            checks.append(f"{backend}: plan costs {mip.total}, solver claimed {result.objective}")
        if not mip.errors and mip.total <= best.total:
            chosen = mip
    claimed = _floor_bound(result.bound)
    bound = claimed if claimed is not None else lp_bound(problem, pm.model)
    if chosen.total - bound > chosen.total * relative_gap * 4:
        # Stopped early, before the solver's own root bound was any good: the LP is better.
        bound = max(bound, lp_bound(problem, pm.model))
    lowest_known = min([c.total for c in valid] + [chosen.total])
    if bound > lowest_known:
        # A bound above a plan that validates: the solver certified a wrong optimum.
        checks.append(f"{backend}: bound {bound} above a valid plan's {lowest_known}")
        bound = min(lp_bound(problem), lowest_known)
    status: PartStatus = "optimal" if result.status == "optimal" else "feasible"
    if checks:
        status = "fallback" if chosen.origin != backend else "feasible"
    elif chosen.origin != backend:
        status = "feasible"
    return PartOutcome(problem, chosen, min(bound, chosen.total), status, backend,
                       greedy_total, checks, solver_s)
