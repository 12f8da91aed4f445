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
from optimizer.formulation import PartModel, build_mip, build_relaxation, integral_flows
from optimizer.greedy import greedy
from optimizer.linear_model import LinearModel, MipLimits, MipResult
from optimizer.mincostflow import flow_bound, min_cost_flow_plan, open_shipments_plan
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


def _whole_quantities(pm: PartModel, values: list[float]) -> dict[int, int] | None:
    """The solution's flow quantities if they are all whole units, else None."""
    quantities = {}
    for index, var in enumerate(pm.x):
        q = round(values[var])
        if abs(values[var] - q) > 1e-6:
            return None
        if q > 0:
            quantities[index] = q
    return quantities


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
    problem: PartProblem, backend: str, chosen: Candidate, greedy_total: int, checks: list[str],
    bound: int | None = None,
) -> PartOutcome:
    if bound is None:
        bound = lp_bound(problem) if problem.flows else chosen.total
    status: PartStatus = "optimal" if bound >= chosen.total else "feasible"
    return PartOutcome(problem, chosen, min(bound, chosen.total), status, backend,
                       greedy_total, checks)


# backend "auto": HiGHS first (it proves the shortage-heavy parts fast and brings the best
# bound on the others), then CBC on what is left if HiGHS has not proven its gap (its
# heuristics find the better plans in the time). Measured with `python -m optimizer.bench
# --sweep`; see docs/optimizer.md.
PORTFOLIO = (("highs", 0.4), ("cbc", 0.6))
PORTFOLIO_MIN_S = 0.03  # below this, HiGHS alone: two solvers' start-up would eat the time
# OR-Tools' CBC interface drops solution hints. An objective cutoff at the best plan's cost
# gives CBC the pruning a hint would: it looks only for better plans, and its bound is then a
# bound of those, which is enough (every other plan costs at least the best one's cost).
# 12x200 loose at 0.07 s a part: 0.0726 % -> 0.0684 %, 0.0679 % -> 0.0639 % (two pairs).
_NO_HINT = frozenset({"cbc"})
# A later stage with less time than this is skipped: CBC does not stop inside its root, and
# on 100x2000 parts a 10 ms limit took it 0.1-0.2 s (measured).
_MIN_STAGE_S = 0.015


def _stages(backend: str, time_limit_s: float) -> tuple[tuple[str, float], ...]:
    if backend != "auto":
        return ((backend, 1.0),)
    return PORTFOLIO if time_limit_s >= PORTFOLIO_MIN_S else ((PORTFOLIO[0][0], 1.0),)


def solve_part(
    problem: PartProblem, backend: str, time_limit_s: float | None, relative_gap: float
) -> PartOutcome:
    """time_limit_s None: out of time, no MIP; the best heuristic plan with the LP bound."""
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
    if time_limit_s is None:
        # Out of time: the network bound costs a millisecond where the LP costs ten.
        quick = flow_bound(problem)
        return _heuristic_outcome(problem, "none", best, greedy_total, checks,
                                  0 if quick is None else quick)
    run = _MipRun(problem, build_mip(problem), best, valid, checks)
    stages = _stages(backend, time_limit_s)
    for n, (stage, share) in enumerate(stages):
        last = n == len(stages) - 1
        limit = time_limit_s - run.solver_s if last else time_limit_s * share
        if n > 0 and limit < _MIN_STAGE_S:
            break
        solved = run.stage(stage, run.pm.model, max(0.01, limit), relative_gap)
        if run.proven(relative_gap) or solved:
            break
    left = time_limit_s - run.solver_s
    if solved and not run.proven(relative_gap) and left >= _MIN_STAGE_S:
        # The continuous-quantity model is solved but whole units leave the plan short of
        # the proof (a fractional optimum, from the fairness rows): the exact model gets the
        # time left, hinted with the best plan.
        run.stage(stages[0][0], integral_flows(run.pm), left, relative_gap)
    return run.outcome(greedy_total, relative_gap)


class _MipRun:
    """One part's MIP stages: the best validated plan and the best valid bound so far."""

    def __init__(
        self, problem: PartProblem, pm: PartModel, best: Candidate, valid: list[Candidate],
        checks: list[str],
    ) -> None:
        self.problem, self.pm, self.chosen = problem, pm, best
        self.valid, self.checks = valid, checks
        self.bound: int | None = None
        self.solver_s = 0.0
        self.ran: list[str] = []

    def stage(self, backend: str, model: LinearModel, limit_s: float, gap: float) -> bool:
        """Runs one backend; True when it solved its model within the gap."""
        model.hint = _hint(self.pm, self.problem, self.chosen.quantities)
        if backend in _NO_HINT:
            best = self.chosen.total
            model = model.with_objective_cutoff(best + 1e-9 * abs(best) + 1)  # float slack
        started = time.perf_counter()
        self.ran.append(backend)
        result = MIP_BACKENDS[backend](model, MipLimits(limit_s, gap))
        self.solver_s += time.perf_counter() - started
        if result.values is not None:
            mip = _check_mip(self.problem, self.pm, backend, result, self.checks)
            if mip is not None and mip.total <= self.chosen.total:
                self.chosen = mip
                self.valid.append(mip)
        claimed = _floor_bound(result.bound)
        lowest_known = min(c.total for c in [*self.valid, self.chosen])
        if claimed is not None and claimed > lowest_known:
            # A bound above a plan that validates: the solver certified a wrong optimum.
            self.checks.append(f"{backend}: bound {claimed} above a valid plan's {lowest_known}")
        elif claimed is not None:
            self.bound = claimed if self.bound is None else max(self.bound, claimed)
        return result.status == "optimal"

    def proven(self, gap: float) -> bool:
        return self.bound is not None and _proven(self.chosen.total, self.bound, gap)

    def outcome(self, greedy_total: int, gap: float) -> PartOutcome:
        bound = self.bound
        if bound is None or not _proven(self.chosen.total, bound, gap * 4):
            # No bound, or stopped before the solver's root bound was any good: the LP is
            # better.
            bound = max(lp_bound(self.problem, self.pm.model), -1 if bound is None else bound)
        bound = min(bound, self.chosen.total)
        status: PartStatus = "optimal" if _proven(self.chosen.total, bound, gap) else "feasible"
        if self.checks:
            status = "fallback" if self.chosen.origin in ("greedy", "min_cost_flow") else (
                "feasible"
            )
        return PartOutcome(
            self.problem, self.chosen, bound, status, "+".join(self.ran), greedy_total,
            self.checks, self.solver_s,
        )


def _proven(total: int, bound: int, relative_gap: float) -> bool:
    # Solvers' bounds carry float error of about 1e-9 relative; never ask for less than 1e-8.
    return total - bound <= max(relative_gap, 1e-8) * abs(total) + 2


def _check_mip(
    problem: PartProblem, pm: PartModel, stage: str, result: MipResult, checks: list[str]
) -> Candidate | None:
    """The solver's plan if it validates and costs what the solver said, else None."""
    assert result.values is not None
    own = _whole_quantities(pm, result.values)
    quantities = own if own is not None else _integral_flow(problem, pm, result.values)
    mip = evaluate(problem, stage, quantities)
    checks += [f"{stage}: {e}" for e in mip.errors]
    if mip.errors:
        return None
    if own is not None and mip.total > result.objective + 1e-6 * abs(result.objective) + 2:
        checks.append(f"{stage}: plan costs {mip.total}, solver claimed {result.objective}")
    return mip


def _integral_flow(problem: PartProblem, pm: PartModel, values: list[float]) -> dict[int, int]:
    """Whole units over the shipments a fractional solution opened (continuous quantities,
    formulation.py); it may cost a little more than the solver's value."""
    shipped = {index for index, var in enumerate(pm.x) if values[var] > 1e-6}
    return open_shipments_plan(problem, shipped)
