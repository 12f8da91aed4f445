"""The optimizer's entry point: decompose by part, solve each within the time budget, assemble
the plan, explain it and validate it before it is returned."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext

from optimizer.explain import explain_part, unfilled_part
from optimizer.flows import PartProblem, decompose
from optimizer.part_solver import PartOutcome, PartStatus, solve_part
from optimizer.plan import Allocation, Explanation, Objective, Plan, SolverReport, Unfilled
from optimizer.request import PlanRequest, Policy
from optimizer.validator import validate_plan

# Share of the time limit given to solving and explaining parts; the rest is moving results
# between processes, assembly and the final validation.
_SOLVE_SHARE = 0.85
_OTHER_S_PER_FLOW = 120e-6  # a prior for everything but the MIP itself, per candidate flow
_MIN_PART_S = 0.02  # below this HiGHS rarely finishes its root LP (measured)
_TRANSFER_S_PER_FLOW = 12e-6  # pickling results in a worker and unpickling them here


class InvalidPlanError(RuntimeError):
    """A plan failed validation: a bug in the optimizer, never a property of the input."""


def choose_backend(policy: Policy, problem: PartProblem) -> str:
    """The measured choice (docs/optimizer.md) unless the policy names a backend."""
    return policy.backend


@dataclass(slots=True)
class PartResult:
    part_number: str
    allocations: list[Allocation]
    unfilled: list[Unfilled]
    objective: Objective
    bound: int
    status: PartStatus
    backend: str
    greedy_total: int
    checks: list[str]
    explanations: list[Explanation]


def _finish(outcome: PartOutcome, explain: bool) -> PartResult:
    problem, chosen = outcome.problem, outcome.chosen
    return PartResult(
        part_number=problem.part_number,
        allocations=chosen.allocations,
        unfilled=unfilled_part(problem, chosen.quantities, chosen.unfilled),
        objective=chosen.objective, bound=outcome.bound, status=outcome.status,
        backend=outcome.backend, greedy_total=outcome.greedy_total, checks=outcome.checks,
        explanations=explain_part(problem, chosen.quantities) if explain else [],
    )


def _size(problem: PartProblem) -> int:
    return len(problem.flows) + len(problem.lines)


class _Clock:
    """Splits what is left of a budget between parts, after setting aside the time the
    parts' other work (heuristics, models, explanations) is measured to take per flow."""

    def __init__(self, budget_s: float, problems: Sequence[PartProblem]) -> None:
        self.started = time.perf_counter()
        self.deadline = self.started + budget_s
        self.flows_left = sum(len(p.flows) for p in problems)
        self.size_left = sum(_size(p) for p in problems)
        self.other_s, self.flows_done = 0.0, 0

    def share(self, problem: PartProblem) -> float | None:
        """Seconds for this part's MIP; None once the deadline has passed (heuristics only).
        Behind schedule, a part still gets the minimum: a short MIP (root LP, cuts and the
        warm start) buys more gap per millisecond than the heuristics with an LP bound."""
        per_flow = (self.other_s + _OTHER_S_PER_FLOW * 200) / (self.flows_done + 200)
        now = time.perf_counter()
        if now >= self.deadline:
            return None
        free = self.deadline - now - per_flow * self.flows_left
        return max(_MIN_PART_S, free * _size(problem) / max(1, self.size_left))

    def done(self, problem: PartProblem, wall_s: float, solver_s: float) -> None:
        self.other_s += max(0.0, wall_s - solver_s)
        self.flows_done += len(problem.flows)
        self.flows_left -= len(problem.flows)
        self.size_left -= _size(problem)


def solve_parts(problems: Sequence[PartProblem], budget_s: float) -> list[PartResult]:
    """Solve and explain parts one after another, each MIP with its share of the budget."""
    clock = _Clock(budget_s, problems)
    results = []
    for problem in problems:
        started = time.perf_counter()
        outcome = solve_part(
            problem, choose_backend(problem.policy, problem), clock.share(problem),
            problem.policy.relative_gap_ppm / 1e6,
        )
        results.append(_finish(outcome, problem.policy.explain))
        clock.done(problem, time.perf_counter() - started, outcome.solver_s)
    return results


def _chunks(indices: list[int], sizes: list[int], workers: int) -> list[list[int]]:
    """Largest first onto the least loaded worker: balanced and deterministic."""
    loads = [0] * workers
    chunks: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(indices, key=lambda i: (-sizes[i], i)):
        w = loads.index(min(loads))
        chunks[w].append(i)
        loads[w] += sizes[i]
    return [sorted(c) for c in chunks if c]


def _solve_all(problems: list[PartProblem], policy: Policy, budget_s: float) -> list[PartResult]:
    workers = min(policy.workers, len(problems))
    if workers <= 1:
        return solve_parts(problems, budget_s)
    global _FORKED_PROBLEMS
    # Results (explanations mostly) cross the process boundary, which takes time set aside.
    budget_s -= _TRANSFER_S_PER_FLOW * sum(len(p.flows) for p in problems)
    chunks = _chunks(list(range(len(problems))), [_size(p) for p in problems], workers)
    if threading.active_count() > 1:
        # Forking a threaded process (a gRPC server, say) can deadlock the child: start
        # clean workers and send them their problems instead.
        calls = [(solve_parts, ([problems[i] for i in c], budget_s)) for c in chunks]
        return _in_pool(multiprocessing.get_context("forkserver"), calls)
    # Forked workers inherit the problems; only their indices cross the process boundary.
    _FORKED_PROBLEMS = problems
    try:
        forked = [(_solve_forked, (c, budget_s)) for c in chunks]
        return _in_pool(multiprocessing.get_context("fork"), forked)
    finally:
        _FORKED_PROBLEMS = []


def _in_pool(context: BaseContext, calls: list[tuple[Callable, tuple]]) -> list[PartResult]:
    with ProcessPoolExecutor(max_workers=len(calls), mp_context=context) as pool:
        futures = [pool.submit(fn, *args) for fn, args in calls]
        results = [r for f in futures for r in f.result()]
    return sorted(results, key=lambda r: r.part_number)


_FORKED_PROBLEMS: list[PartProblem] = []


def _solve_forked(indices: list[int], budget_s: float) -> list[PartResult]:
    return solve_parts([_FORKED_PROBLEMS[i] for i in indices], budget_s)


def _sum_objectives(objectives: list[Objective]) -> Objective:
    fields = Objective.model_fields
    return Objective(**{k: sum(getattr(o, k) for o in objectives) for k in fields})


def _status(results: list[PartResult]) -> PartStatus:
    statuses = {r.status for r in results}
    if "fallback" in statuses:
        return "fallback"
    return "optimal" if statuses <= {"optimal"} else "feasible"


def assemble(request: PlanRequest, results: list[PartResult], started: float) -> Plan:
    allocations = sorted(
        (a for r in results for a in r.allocations),
        key=lambda a: (a.line_id, a.supplier_id, a.source, a.ship_at),
    )
    objective = _sum_objectives([r.objective for r in results])
    total = objective.total_micros
    bound = min(total, sum(r.bound for r in results))
    gap_ppm = 0 if total <= 0 else -(-(total - bound) * 1_000_000 // total)
    backends = sorted({b for r in results for b in r.backend.split("+")})
    backends = backends or [request.policy.backend]
    return Plan(
        plan_id=request.plan_id,
        allocations=tuple(allocations),
        unfilled=tuple(sorted((u for r in results for u in r.unfilled), key=lambda u: u.line_id)),
        objective=objective,
        solver=SolverReport(
            backend="+".join(backends), status=_status(results), objective_micros=total,
            bound_micros=bound, gap_ppm=gap_ppm,
            solve_ms=round((time.perf_counter() - started) * 1000), parts=len(results),
            parts_optimal=sum(r.status == "optimal" for r in results),
            checks=tuple(c for r in results for c in r.checks),
        ),
        explanations=tuple(sorted(
            (e for r in results for e in r.explanations),
            key=lambda e: (e.line_id, not e.chosen, e.supplier_id, e.source or ""),
        )),
        demanded_quantity=sum(line.quantity for line in request.lines),
        filled_quantity=sum(a.quantity for a in allocations),
        shipments=len(allocations),
    )


def solve_with_details(request: PlanRequest) -> tuple[Plan, list[PartResult]]:
    started = time.perf_counter()
    problems = decompose(request)
    budget = request.policy.time_limit_ms / 1000 * _SOLVE_SHARE
    results = _solve_all(problems, request.policy, budget)
    plan = assemble(request, results, started)
    errors = validate_plan(request, plan)
    if errors:
        raise InvalidPlanError("; ".join(errors[:10]))
    return plan, results


def solve(request: PlanRequest) -> Plan:
    """The best plan the time limit allows, validated, with its bound and explanations."""
    return solve_with_details(request)[0]
