"""What the MIP backends hand the solvers and what they give back."""

from __future__ import annotations

import math

import pytest

from optimizer.backends import MIP_BACKENDS
from optimizer.backends.mathopt import _cost_scale
from optimizer.generator import small
from optimizer.linear_model import LinearModel, MipLimits
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
