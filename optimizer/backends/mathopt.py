"""OR-Tools MathOpt (HiGHS, SCIP) on the neutral model; kept for backend measurements."""

from __future__ import annotations

import datetime

from ortools.math_opt.python import mathopt

from optimizer.linear_model import LinearModel, MipLimits, MipResult

_SOLVERS = {"highs": mathopt.SolverType.HIGHS, "gscip": mathopt.SolverType.GSCIP}


def solve_mathopt(solver: str, model: LinearModel, limits: MipLimits) -> MipResult:
    mo = mathopt.Model()
    variables = [
        mo.add_variable(lb=lo, ub=up, is_integer=is_int)
        for lo, up, is_int in zip(model.lower, model.upper, model.integer, strict=True)
    ]
    for row in model.rows:
        expr = mathopt.LinearSum(
            a * variables[v] for v, a in zip(row.variables, row.coefficients, strict=True)
        )
        mo.add_linear_constraint(lb=row.lower, ub=row.upper, expr=expr)
    mo.minimize(mathopt.LinearSum(c * v for v, c in zip(variables, model.cost, strict=True) if c))
    params = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=limits.time_limit_s),
        relative_gap_tolerance=limits.relative_gap, random_seed=1,
        threads=None if solver == "highs" else 1,
    )
    model_params = mathopt.ModelSolveParameters()
    if limits.use_hint and model.hint is not None:
        model_params = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(
            variable_values={variables[v]: h for v, h in model.hint.items()})])
    result = mathopt.solve(mo, _SOLVERS[solver], params=params, model_params=model_params)
    name = "highs" if solver == "highs" else "scip_mathopt"
    if not result.has_primal_feasible_solution():
        return MipResult("none", None, float("inf"), result.best_objective_bound(), name)
    optimal = result.termination.reason == mathopt.TerminationReason.OPTIMAL
    values = [result.variable_values(v) for v in variables]
    return MipResult(
        "optimal" if optimal else "feasible", values, result.objective_value(),
        result.best_objective_bound(), name,
    )
