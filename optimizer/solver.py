"""The optimizer's entry point: decompose by part, solve each within the time budget, assemble
the plan, explain it and validate it before it is returned."""

from __future__ import annotations

import time

from optimizer.flows import decompose
from optimizer.parallel import solve_all
from optimizer.part_solver import PartStatus
from optimizer.parts import PartResult
from optimizer.plan import Objective, Plan, SolverReport
from optimizer.request import PlanRequest
from optimizer.validator import validate_plan

# Share of the time limit, counted from the call, by which every part is solved and explained;
# the rest is the last part's overrun, moving results between processes, assembly and the
# final validation.
_SOLVE_SHARE = 0.85


class InvalidPlanError(RuntimeError):
    """A plan failed validation: a bug in the optimizer, never a property of the input."""


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
    started, deadline = time.perf_counter(), time.monotonic()
    deadline += request.policy.time_limit_ms / 1000 * _SOLVE_SHARE
    problems = decompose(request)
    results = solve_all(problems, request.policy, deadline)
    plan = assemble(request, results, started)
    errors = validate_plan(request, plan)
    if errors:
        raise InvalidPlanError("; ".join(errors[:10]))
    return plan, results


def solve(request: PlanRequest) -> Plan:
    """The best plan the time limit allows, validated, with its bound and explanations."""
    return solve_with_details(request)[0]
