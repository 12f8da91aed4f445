"""MIP and LP backends behind one call: the neutral model in, values and bound out."""

from __future__ import annotations

from collections.abc import Callable

from optimizer.backends.cpsat import solve_cpsat
from optimizer.backends.mathopt import solve_mathopt
from optimizer.backends.mpsolver import solve_lp, solve_mpsolver
from optimizer.linear_model import LinearModel, MipLimits, MipResult

MipBackend = Callable[[LinearModel, MipLimits], MipResult]

MIP_BACKENDS: dict[str, MipBackend] = {
    # HiGHS through MathOpt: through MPSolver it loses its incumbent at a time limit (status
    # NOT_SOLVED, no solution) and crashes on hints in ortools 9.15, both measured here.
    "highs": lambda m, lim: solve_mathopt("highs", m, lim),
    "highs_mpsolver": lambda m, lim: solve_mpsolver("HIGHS", m, lim),
    "scip": lambda m, lim: solve_mpsolver("SCIP", m, lim),
    "scip_mathopt": lambda m, lim: solve_mathopt("gscip", m, lim),
    "cbc": lambda m, lim: solve_mpsolver("CBC", m, lim),
    "cp_sat": solve_cpsat,
}

__all__ = ["MIP_BACKENDS", "MipBackend", "solve_lp"]
