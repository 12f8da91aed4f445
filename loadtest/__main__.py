"""`python -m loadtest run|check|report`: the Double-11 burst against a whole alliance."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from loadtest.profiles import PROFILES

app = typer.Typer(no_args_is_help=True, add_completion=False)
REPORTS = Path("reports/loadtest")


@app.command()
def run(
    profile: Annotated[str, typer.Option(help="smoke or peak.")] = "smoke",
    faults: Annotated[
        str | None,
        typer.Option(
            help="Fault schedule, e.g. 'node-kill:?@8+4, proxy-delay:S05@16+8=300ms'; 'none'; "
            "default: the profile's.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory (default reports/loadtest/PROFILE-TIME).", show_default=False
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds the users and the `?` fault targets.")] = 7,
    duration: Annotated[
        float | None,
        typer.Option(help="Seconds of load (default: the profile's).", show_default=False),
    ] = None,
    keep_databases: Annotated[
        bool, typer.Option(help="Keep the lt_* databases for `loadtest check`.")
    ] = False,
) -> None:
    """Start an alliance, load it while injecting faults, check the invariants, report."""
    from loadtest.orchestrator import RunOptions
    from loadtest.orchestrator import run as run_load
    from pool.local_alliance import quiet_logs

    quiet_logs()

    if profile not in PROFILES:
        raise typer.BadParameter(f"profile must be one of {', '.join(PROFILES)}")
    chosen = PROFILES[profile]
    if duration is not None:
        chosen = chosen.with_duration(duration)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    options = RunOptions(
        profile=chosen,
        faults=chosen.faults if faults is None else faults,
        out_dir=out or REPORTS / f"{profile}-{stamp}",
        seed=seed,
        keep_databases=keep_databases,
    )
    verdict = run_load(options, say=lambda line: print(line, flush=True))
    for reason in verdict.reasons:
        print(f"  {reason}")
    print("PASS" if verdict.passed else "FAIL")
    raise typer.Exit(0 if verdict.passed else 1)


@app.command()
def check(
    workdir: Annotated[
        Path,
        typer.Option(help="The alliance's work directory (alliance.json, or a local alliance's)."),
    ],
) -> None:
    """Check every invariant of an alliance whose databases still exist; non-zero on a violation."""
    from loadtest.invariants import check_alliance
    from loadtest.manifest import load

    results = check_alliance(load(workdir), workdir)
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.name}: {r.checked}")
        for detail in r.details:
            print(f"      {detail}")
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


@app.command()
def report(out: Annotated[Path, typer.Argument(help="A run's output directory.")]) -> None:
    """Rewrite a run's report.md and plots from what it recorded."""
    from loadtest.report import build_report

    verdict = build_report(out)
    print(out / "report.md", "PASS" if verdict.passed else "FAIL")
    raise typer.Exit(0 if verdict.passed else 1)


if __name__ == "__main__":
    sys.exit(app())
