"""Benchmark of the seeded instance families: time, objective, bound, gap, greedy ratio.

python -m optimizer.bench [--json] [--families 12x200,100x2000] [--backends highs,cp_sat]
python -m optimizer.bench --sweep   # each MIP backend on the same parts, same time per part
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from optimizer.flows import decompose
from optimizer.generator import FAMILIES, VARIANTS, generate
from optimizer.part_solver import solve_part
from optimizer.request import Policy
from optimizer.solver import solve_with_details

# Per family: the time limit of the target and the worker processes it may use.
LIMITS_MS = {"12x200": 1_000, "100x2000": 10_000, "1000x10000": 60_000}
WORKERS = {"12x200": 2, "100x2000": 2, "1000x10000": 2}
# Stop each part once it is proven within this gap: half the family's target, in ppm.
GAP_PPM = {"12x200": 500, "100x2000": 5_000, "1000x10000": 25_000}
SWEEP_BACKENDS = ["highs", "scip", "cbc", "cp_sat"]
SWEEP_PART_S = {"12x200": [0.05, 0.2], "100x2000": [0.05, 0.2], "1000x10000": [0.05]}


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send what native solvers print on fd 1 (the HiGHS banner) to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_one(family_name: str, variant: str, backend: str, seed: int = 1) -> dict[str, object]:
    tightness, slack = VARIANTS[variant]
    family = replace(FAMILIES[family_name], stock_tightness_pct=tightness, slack_days=slack)
    policy = Policy(
        backend=backend,  # type: ignore[arg-type]
        time_limit_ms=LIMITS_MS[family_name], workers=WORKERS[family_name],
        relative_gap_ppm=GAP_PPM[family_name],
    )
    request = generate(family, seed, policy)
    started = time.perf_counter()
    with quiet_stdout():
        plan, results = solve_with_details(request)
    seconds = time.perf_counter() - started
    objective = plan.objective.total_micros
    greedy = sum(r.greedy_total for r in results)
    return {
        "family": family_name, "variant": variant, "backend": backend,
        "seconds": round(seconds, 3), "objective": objective,
        "bound": plan.solver.bound_micros, "gap": round(plan.solver.gap_ppm / 1e6, 6),
        "greedy_ratio": round(greedy / objective, 4) if objective else None,
        "status": plan.solver.status, "parts": plan.solver.parts,
        "parts_optimal": plan.solver.parts_optimal,
        "fill_rate": round(plan.filled_quantity / plan.demanded_quantity, 4),
        "checks": len(plan.solver.checks),
    }


def sweep_one(
    family_name: str, variant: str, backend: str, part_s: float, parts: int = 30, seed: int = 1
) -> dict[str, object]:
    """One backend on the first parts of a family, each part's MIP with the same time limit
    and the same warm start: the per-part comparison behind the backend choice."""
    tightness, slack = VARIANTS[variant]
    family = replace(FAMILIES[family_name], stock_tightness_pct=tightness, slack_days=slack)
    request = generate(family, seed, Policy(relative_gap_ppm=GAP_PPM[family_name]))
    problems = decompose(request)[:parts]
    objective = bound = optimal = 0
    started = time.perf_counter()
    with quiet_stdout():
        for problem in problems:
            outcome = solve_part(problem, backend, part_s, GAP_PPM[family_name] / 1e6)
            objective += outcome.chosen.total
            bound += outcome.bound
            optimal += outcome.status == "optimal"
    return {
        "family": family_name, "variant": variant, "backend": backend, "part_s": part_s,
        "parts": len(problems), "seconds": round(time.perf_counter() - started, 3),
        "gap": round((objective - bound) / objective, 6), "parts_optimal": optimal,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optimizer.bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--backends", default="auto")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true",
                        help="compare MIP backends part by part at fixed times per part")
    args = parser.parse_args(argv)
    if args.sweep:
        backends = SWEEP_BACKENDS if args.backends == "auto" else args.backends.split(",")
        for family in args.families.split(","):
            for variant in args.variants.split(","):
                for part_s in SWEEP_PART_S[family]:
                    for backend in backends:
                        row = sweep_one(family, variant, backend, part_s, seed=args.seed)
                        print(json.dumps(row) if args.json else
                              f"{family:>11} {variant:>6} {backend:>14} {part_s:>5}s/part "
                              f"{row['seconds']:>7.2f}s gap {row['gap']:.6f} "
                              f"optimal {row['parts_optimal']}/{row['parts']}", flush=True)
        return 0
    for family in args.families.split(","):
        for variant in args.variants.split(","):
            for backend in args.backends.split(","):
                row = run_one(family, variant, backend, args.seed)
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    print(
                        f"{row['family']:>11} {row['variant']:>6} {row['backend']:>14} "
                        f"{row['seconds']:>8.3f}s gap {row['gap']:.6f} "
                        f"greedy x{row['greedy_ratio']} fill {row['fill_rate']} "
                        f"{row['status']} ({row['parts_optimal']}/{row['parts']} parts optimal)",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
