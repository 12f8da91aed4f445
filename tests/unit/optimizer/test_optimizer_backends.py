"""What the MIP backends hand the solvers and what they give back."""

from __future__ import annotations

import math

import pytest

from optimizer.backends import MIP_BACKENDS
from optimizer.backends.mathopt import _cost_scale
from optimizer.flows import decompose
from optimizer.generator import small
from optimizer.linear_model import LinearModel, MipLimits, MipResult
from optimizer.part_solver import solve_part
from optimizer.request import Policy
from optimizer.solver import solve


@pytest.mark.parametrize("top", [3.0, 255.9, 256.0, 512.0, 5e9, 1.3e10])
def test_the_objective_is_scaled_by_a_power_of_two_into_a_small_range(top: float) -> None:
    model = LinearModel()
    model.add_var("a", 1, top)
    model.add_var("b", 1, -1.0)
    scale = _cost_scale(model)
    assert math.frexp(scale)[0] == 0.5  # a power of two: exact in floating point
    assert 256 <= top * scale < 512


def test_highs_reports_objective_and_bound_in_the_model_s_own_units() -> None:
    # Two binaries with costs in the billions; one of them must be on.
    model = LinearModel()
    a = model.add_var("a", 1, 7_000_000_001, integer=True)
    b = model.add_var("b", 1, 9_000_000_003, integer=True)
    model.add_row("one", {a: 1, b: 1}, lower=1)
    result = MIP_BACKENDS["highs"](model, MipLimits(10, 0))
    assert result.status == "optimal"
    assert result.objective == 7_000_000_001
    assert result.bound == 7_000_000_001


def test_highs_prints_nothing_on_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    # This seed made HiGHS repair its postsolved solutions and print a debug line on fd 1
    # before the objective was scaled.
    request = small(54, Policy(
        max_suppliers_per_line=2, relative_gap_ppm=0, backend="highs", time_limit_ms=60_000
    ))
    solve(request)
    assert "tmpSolver" not in capfd.readouterr().out


def test_an_objective_cutoff_is_one_more_row_and_leaves_the_model_alone() -> None:
    model = LinearModel()
    a = model.add_var("a", 1, 3.5, integer=True)
    model.add_var("b", 1, 0.0)
    c = model.add_var("c", 1, 2.0, integer=True)
    model.add_row("one", {a: 1, c: 1}, lower=1)
    cut = model.with_objective_cutoff(2.5)
    assert len(model.rows) == 1 and len(cut.rows) == 2
    assert (cut.rows[-1].variables, cut.rows[-1].coefficients) == ([a, c], [3.5, 2.0])
    assert cut.rows[-1].upper == 2.5
    result = MIP_BACKENDS["cbc"](cut, MipLimits(10, 0))
    assert result.status == "optimal" and result.objective == 2.0
    assert MIP_BACKENDS["cbc"](model.with_objective_cutoff(1.5), MipLimits(10, 0)).values is None


def test_cbc_searches_below_the_best_plan_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    # CBC takes no hint through OR-Tools; the cutoff is how it learns what to beat.
    seen: list[LinearModel] = []
    real_cbc = MIP_BACKENDS["cbc"]

    def spy(model: LinearModel, limits: MipLimits) -> MipResult:
        seen.append(model)
        return real_cbc(model, limits)

    monkeypatch.setitem(MIP_BACKENDS, "cbc", spy)
    problem = decompose(small(3))[0]
    outcome = solve_part(problem, "cbc", 10.0, 0.0)
    assert seen and seen[0].rows[-1].name == "cutoff"
    best_before = seen[0].rows[-1].upper
    assert outcome.chosen.total <= best_before
    assert outcome.status == "optimal" and outcome.bound <= outcome.chosen.total
