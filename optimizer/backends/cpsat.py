"""OR-Tools CP-SAT on the neutral model (every variable integral, rows are integral)."""

from __future__ import annotations

import math
from collections.abc import Callable

from ortools.sat.python import cp_model

from optimizer.linear_model import LinearModel, MipLimits, MipResult, Status

_BIG = 2**50


def _bound(value: float, to_int: Callable[[float], int]) -> int:
    if math.isinf(value):
        return _BIG if value > 0 else -_BIG
    return to_int(value)


def solve_cpsat(model: LinearModel, limits: MipLimits) -> MipResult:
    cp = cp_model.CpModel()
    variables = [
        cp.new_int_var(_bound(lo, math.ceil), _bound(up, math.floor), "")
        for lo, up in zip(model.lower, model.upper, strict=True)
    ]
    for row in model.rows:
        expr = cp_model.LinearExpr.weighted_sum(
            [variables[v] for v in row.variables], row.coefficients
        )
        cp.add_linear_constraint(expr, _bound(row.lower, math.ceil), _bound(row.upper, math.floor))
    terms = [(v, c) for v, c in zip(variables, model.cost, strict=True) if c]
    cp.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]))
    if limits.use_hint and model.hint is not None:
        for v, h in sorted(model.hint.items()):
            cp.add_hint(variables[v], round(h))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.001, limits.time_limit_s)
    solver.parameters.relative_gap_limit = limits.relative_gap
    solver.parameters.random_seed = 1
    code = solver.solve(cp)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return MipResult("none", None, float("inf"), float("-inf"), "cp_sat")
    status: Status = "optimal" if code == cp_model.OPTIMAL else "feasible"
    values = [float(solver.value(v)) for v in variables]
    return MipResult(
        status, values, solver.objective_value, solver.best_objective_bound, "cp_sat"
    )
