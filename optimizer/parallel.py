"""Independent parts solved in a process pool: balanced, deterministic, fork-safe."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

from optimizer.flows import PartProblem
from optimizer.parts import PartResult, part_size, solve_parts
from optimizer.request import Policy

_TRANSFER_S_PER_FLOW = 12e-6  # pickling results in a worker and unpickling them here


def _chunks(indices: list[int], sizes: list[int], workers: int) -> list[list[int]]:
    """Largest first onto the least loaded worker: balanced and deterministic."""
    loads = [0] * workers
    chunks: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(indices, key=lambda i: (-sizes[i], i)):
        w = loads.index(min(loads))
        chunks[w].append(i)
        loads[w] += sizes[i]
    return [sorted(c) for c in chunks if c]


def solve_all(problems: list[PartProblem], policy: Policy, deadline: float) -> list[PartResult]:
    """All parts solved by the deadline (a time.monotonic() value, see parts._Clock)."""
    workers = min(policy.workers, len(problems))
    if workers <= 1:
        return solve_parts(problems, deadline)
    global _FORKED_PROBLEMS
    # Results (explanations mostly) cross the process boundary, which takes time set aside.
    deadline -= _TRANSFER_S_PER_FLOW * sum(len(p.flows) for p in problems)
    chunks = _chunks(list(range(len(problems))), [part_size(p) for p in problems], workers)
    if threading.active_count() > 1:
        # Forking a threaded process (a gRPC server, say) can deadlock the child: start
        # clean workers and send them their problems instead.
        calls = [(solve_parts, ([problems[i] for i in c], deadline)) for c in chunks]
        return _in_pool(multiprocessing.get_context("forkserver"), calls)
    # Forked workers inherit the problems; only their indices cross the process boundary.
    _FORKED_PROBLEMS = problems
    try:
        forked = [(_solve_forked, (c, deadline)) for c in chunks]
        return _in_pool(multiprocessing.get_context("fork"), forked)
    finally:
        _FORKED_PROBLEMS = []


def _in_pool(context: BaseContext, calls: list[tuple[Callable, tuple]]) -> list[PartResult]:
    with ProcessPoolExecutor(max_workers=len(calls), mp_context=context) as pool:
        futures = [pool.submit(fn, *args) for fn, args in calls]
        results = [r for f in futures for r in f.result()]
    return sorted(results, key=lambda r: r.part_number)


_FORKED_PROBLEMS: list[PartProblem] = []


def _solve_forked(indices: list[int], deadline: float) -> list[PartResult]:
    return solve_parts([_FORKED_PROBLEMS[i] for i in indices], deadline)
