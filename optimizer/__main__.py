"""`python -m optimizer solve INPUT.json` prints the plan as JSON; `schema` prints the input
JSON schema (committed as optimizer/schema/input.schema.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from optimizer.bench import quiet_stdout
from optimizer.request import PlanRequest
from optimizer.solver import solve

app = typer.Typer(add_completion=False, help="Allocation optimizer for the alliance pool.")


def input_schema() -> dict:
    return PlanRequest.model_json_schema()


@app.command("solve")
def solve_command(
    input_path: Annotated[Path, typer.Argument(help="PlanRequest JSON; '-' reads stdin.")],
    indent: Annotated[int, typer.Option(help="JSON indentation; 0 for one line.")] = 2,
) -> None:
    """Plan the request and print the plan as JSON."""
    text = sys.stdin.read() if str(input_path) == "-" else input_path.read_text("utf-8")
    try:
        request = PlanRequest.model_validate_json(text)
    except ValidationError as exc:
        typer.echo(exc.json(indent=2), err=True)
        raise typer.Exit(code=2) from exc
    with quiet_stdout():  # native solvers may print banners on fd 1
        plan = solve(request)
    typer.echo(plan.model_dump_json(indent=indent or None))


@app.command("schema")
def schema_command() -> None:
    """Print the input JSON schema."""
    typer.echo(json.dumps(input_schema(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    app()
