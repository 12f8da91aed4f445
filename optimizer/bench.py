"""Benchmark of the seeded instance families: time, objective, bound, gap, greedy ratio.

python -m optimizer.bench [--json] [--families 12x200,100x2000] [--backends highs,cp_sat]
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

from optimizer.generator import FAMILIES, VARIANTS, generate
from optimizer.request import Policy
from optimizer.solver import solve_with_details

# Per family: the time limit of the target and the worker processes it may use.
LIMITS_MS = {"12x200": 1_000, "100x2000": 10_000, "1000x10000": 60_000}
WORKERS = {"12x200": 1, "100x2000": 2, "1000x10000": 2}
# Stop each part once it is proven within this gap: half the family's target, in ppm.
GAP_PPM = {"12x200": 500, "100x2000": 5_000, "1000x10000": 25_000}


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optimizer.bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--backends", default="auto")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
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
