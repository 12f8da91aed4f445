"""The optimizer's entry point: decompose by part, solve each within the time budget, assemble
the plan, explain it and validate it before it is returned."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from optimizer.explain import explain_part, unfilled_part
from optimizer.flows import PartProblem, decompose
from optimizer.part_solver import PartOutcome, solve_part
from optimizer.plan import Allocation, Explanation, Objective, Plan, SolverReport, Unfilled
from optimizer.request import PlanRequest, Policy
from optimizer.validator import validate_plan

# Share of the time limit given to solving and explaining parts; the rest is assembly and the
# final validation. Explanations cost about this much per candidate flow (measured).
_SOLVE_SHARE = 0.85
_EXPLAIN_S_PER_FLOW = 40e-6
_MIN_PART_S = 0.005


class InvalidPlanError(RuntimeError):
    """A plan failed validation: a bug in the optimizer, never a property of the input."""


def choose_backend(policy: Policy, problem: PartProblem) -> str:
    """The measured choice (docs/optimizer.md) unless the policy names a backend."""
    if policy.backend != "auto":
        return policy.backend
    return "highs"


@dataclass(slots=True)
class PartResult:
    part_number: str
    allocations: list[Allocation]
    unfilled: list[Unfilled]
    objective: Objective
    bound: int
    status: str
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


def solve_parts(problems: Sequence[PartProblem], budget_s: float) -> list[PartResult]:
    """Solve parts one after another, each with its share of what is left of the budget,
    then explain them; the explanations' time is set aside first."""
    started = time.perf_counter()
    explain = bool(problems) and problems[0].policy.explain
    flows = sum(len(p.flows) for p in problems)
    deadline = started + budget_s - (_EXPLAIN_S_PER_FLOW * flows if explain else 0.0)
    left = sum(_size(p) for p in problems)
    outcomes = []
    for problem in problems:
        remaining = max(0.0, deadline - time.perf_counter())
        share = remaining * _size(problem) / max(1, left)
        left -= _size(problem)
        outcomes.append(solve_part(
            problem, choose_backend(problem.policy, problem), max(_MIN_PART_S, share),
            problem.policy.relative_gap_ppm / 1e6,
        ))
    return [_finish(outcome, explain) for outcome in outcomes]


def _chunks(problems: list[PartProblem], workers: int) -> list[list[PartProblem]]:
    """Longest first onto the least loaded worker: balanced and deterministic."""
    loads = [0] * workers
    chunks: list[list[PartProblem]] = [[] for _ in range(workers)]
    for p in sorted(problems, key=lambda p: (-_size(p), p.part_number)):
        w = loads.index(min(loads))
        chunks[w].append(p)
        loads[w] += _size(p)
    return [sorted(c, key=lambda p: p.part_number) for c in chunks if c]


def _solve_all(problems: list[PartProblem], policy: Policy, budget_s: float) -> list[PartResult]:
    workers = min(policy.workers, len(problems))
    if workers <= 1:
        return solve_parts(problems, budget_s)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(solve_parts, c, budget_s) for c in _chunks(problems, workers)]
        results = [r for f in futures for r in f.result()]
    return sorted(results, key=lambda r: r.part_number)


def _sum_objectives(objectives: list[Objective]) -> Objective:
    fields = Objective.model_fields
    return Objective(**{k: sum(getattr(o, k) for o in objectives) for k in fields})


def _status(results: list[PartResult]) -> str:
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
    backends = sorted({r.backend for r in results}) or [request.policy.backend]
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
