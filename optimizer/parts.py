"""Solving and explaining parts one after another within a time budget."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.explain import explain_part, unfilled_part
from optimizer.flows import PartProblem
from optimizer.part_solver import PartOutcome, PartStatus, solve_part
from optimizer.plan import Allocation, Explanation, Objective, Unfilled

_OTHER_S_PER_FLOW = 120e-6  # a prior for everything but the MIP itself, per candidate flow
_MIN_PART_S = 0.02  # below this HiGHS rarely finishes its root LP (measured)


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


def part_size(problem: PartProblem) -> int:
    return len(problem.flows) + len(problem.lines)


class _Clock:
    """Splits what is left until the deadline between parts, after setting aside the time the
    parts' other work (heuristics, models, explanations) is measured to take per flow.

    The deadline is a time.monotonic() value: CLOCK_MONOTONIC on Linux, one clock for the
    whole machine, so a worker process counts its start-up against the caller's budget."""

    def __init__(self, deadline: float, problems: Sequence[PartProblem]) -> None:
        self.deadline = deadline
        self.flows_left = sum(len(p.flows) for p in problems)
        self.size_left = sum(part_size(p) for p in problems)
        self.other_s, self.flows_done = 0.0, 0

    def share(self, problem: PartProblem) -> float | None:
        """Seconds for this part's MIP; None once the deadline has passed (heuristics only).
        Behind schedule, a part still gets the minimum: a short MIP (root LP, cuts and the
        warm start) buys more gap per millisecond than the heuristics with an LP bound."""
        per_flow = (self.other_s + _OTHER_S_PER_FLOW * 200) / (self.flows_done + 200)
        now = time.monotonic()
        if now >= self.deadline:
            return None
        free = self.deadline - now - per_flow * self.flows_left
        return max(_MIN_PART_S, free * part_size(problem) / max(1, self.size_left))

    def done(self, problem: PartProblem, wall_s: float, solver_s: float) -> None:
        self.other_s += max(0.0, wall_s - solver_s)
        self.flows_done += len(problem.flows)
        self.flows_left -= len(problem.flows)
        self.size_left -= part_size(problem)


def solve_parts(problems: Sequence[PartProblem], deadline: float) -> list[PartResult]:
    """Solve and explain parts one after another, each MIP with its share of the time left
    until the deadline (a time.monotonic() value)."""
    clock = _Clock(deadline, problems)
    results = []
    for problem in problems:
        started = time.perf_counter()
        outcome = solve_part(
            problem, problem.policy.backend, clock.share(problem),
            problem.policy.relative_gap_ppm / 1e6,
        )
        results.append(_finish(outcome, problem.policy.explain))
        clock.done(problem, time.perf_counter() - started, outcome.solver_s)
    return results
