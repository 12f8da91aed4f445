"""`python -m optimizer solve` and the committed input schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from optimizer_builders import UNIT, line, offer, request

from optimizer.__main__ import input_schema
from optimizer.plan import Plan
from optimizer.validator import validate_plan

SCHEMA = Path(__file__).parents[3] / "optimizer" / "schema" / "input.schema.json"


def test_solve_prints_a_valid_plan_as_json(tmp_path: Path) -> None:
    req = request([line(quantity=50)], [offer("A", stock=100, price=10 * UNIT)])
    path = tmp_path / "input.json"
    path.write_text(req.model_dump_json(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "solve", str(path)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    plan = Plan.model_validate_json(done.stdout)  # stdout is nothing but the plan
    assert validate_plan(req, plan) == []
    assert plan.filled_quantity == 50


def test_bad_input_is_refused_with_the_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"now_at": 0, "lines": [{"line_id": "L1"}]}), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "solve", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "part_number" in done.stderr


def test_the_committed_schema_matches_the_models() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == input_schema(), "regenerate: python -m optimizer schema > " + str(SCHEMA)
