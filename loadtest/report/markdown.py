"""report.md: the run's figures, faults, invariants and verdict, with the plots beside it."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from loadtest.report.analysis import FLOW, RESERVE, Analysis, FaultEffect
from loadtest.report.classify import ERROR, EXCUSED, RECOVERY_GRACE_S, REFUSED
from loadtest.report.gate import Verdict

P99_TARGET_MS = 5_000


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.0f}"


def write_markdown(analysis: Analysis, verdict: Verdict, plots: list[Path], path: Path) -> Path:
    run = analysis.records.run
    lines = [
        f"# Load test `{run['profile']}`: {'PASS' if verdict.passed else 'FAIL'}",
        "",
        f"{dt.datetime.fromtimestamp(analysis.records.load_started_at, dt.UTC):%Y-%m-%d %H:%M} "
        f"UTC, seed {run['seed']}, faults `{run['faults'] or 'none'}`",
        "",
        *[f"- {r}" for r in verdict.reasons],
        *[f"- warning: {w}" for w in run.get("warnings", [])],
        "",
        "## Summary",
        "",
        *_summary(analysis),
        "",
        "## Operations",
        "",
        *_operations(analysis),
        "",
        "## Errors by kind",
        "",
        *_errors(analysis),
        "",
        "## Faults injected",
        "",
        *_faults(analysis),
        "",
        "## Invariants",
        "",
        *_invariants(analysis),
        "",
        "## Where an urgent demand's time goes",
        "",
        *_phases(analysis),
        "",
        *_slow(analysis),
        "",
        "## Plots",
        "",
        *[f"![{p.stem}]({p.name})" for p in plots],
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def _summary(a: Analysis) -> list[str]:
    run = a.records.run
    users = run["users"]
    flow, reserve = a.operation(FLOW), a.operation(RESERVE)
    peak_users = max((n for _, n in a.records.users), default=0)
    echo = a.echo
    ratio = a.reserve_ratio()
    node_holds = run.get("node_reservations", {})
    out = [
        f"- Load: {a.records.load_s:.0f} s, {peak_users} concurrent users at peak "
        f"({users['automakers']} automakers, {users['reservers']} alliance callers, "
        f"{users['clerks']} supplier clerks); 12 nodes and the coordinator on PostgreSQL over mTLS",
    ]
    if flow:
        verdict = "meets" if flow.p99_ms < P99_TARGET_MS else "MISSES"
        server = a.server_percentiles()
        out.append(
            f"- Urgent demands confirmed: {flow.ok_per_s:.2f}/s sustained; POST → confirmed "
            f"as the automakers saw it p50 {_ms(flow.p50_ms)} ms, p95 {_ms(flow.p95_ms)} ms, "
            f"p99 {_ms(flow.p99_ms)} ms ({verdict} p99 < {P99_TARGET_MS / 1000:g} s); "
            f"in the coordinator (exact) p50 {_ms(server[0])} ms, p95 {_ms(server[1])} ms, "
            f"p99 {_ms(server[2])} ms"
        )
    if reserve:
        out.append(
            f"- Node reservations by the alliance callers: {reserve.ok_per_s:.1f}/s, "
            f"p50 {_ms(reserve.p50_ms)} ms, p99 {_ms(reserve.p99_ms)} ms"
        )
    if node_holds:
        out.append(
            f"- Reservations booked on the nodes during the load (callers and coordinator): "
            f"{node_holds['count']:,}, {node_holds['per_s']:.1f}/s"
        )
    if echo:
        out.append(
            f"- Raw gRPC echo ceiling, same run: {echo['calls_per_s']:,.0f} calls/s at "
            f"{echo['clients']} clients (p99 {echo['p99_ms']} ms); reservations / echo = "
            + (f"{ratio:.3f}" if ratio is not None else "–")
        )
    out.append(
        f"- Errors counted: {a.counted_errors:,} of {a.requests:,} requests = "
        f"{a.error_rate:.3%} (limit 1 %); refused {a.classes.count(REFUSED):,}, "
        f"excused by faults {a.classes.count(EXCUSED):,}"
    )
    passed = sum(r.passed for r in a.records.invariants)
    out.append(f"- Invariants: {passed} of {len(a.records.invariants)} hold")
    if a.records.pg_connections:
        samples = a.records.pg_connections
        ours, coordinator, total = (max(c[i] for c in samples) for i in (1, 2, 3))
        out.append(
            f"- PostgreSQL connections: at most {ours} held by the run ({coordinator} by the "
            f"coordinator), {total} in all, of max_connections {samples[0][4]}"
            + (" (**full: connections were refused**)" if total >= samples[0][4] else "")
        )
    return out


def _operations(a: Analysis) -> list[str]:
    out = [
        "| operation | requests | ok/s (steady) | p50 ms | p95 ms | p99 ms "
        "| refused | excused | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in a.operations:
        out.append(
            f"| {o.operation} | {o.requests:,} | {o.ok_per_s:.2f} | {_ms(o.p50_ms)} | "
            f"{_ms(o.p95_ms)} | {_ms(o.p99_ms)} | {o.counts[REFUSED]:,} | "
            f"{o.counts[EXCUSED]:,} | {o.counts[ERROR]:,} |"
        )
    out.append("")
    out.append(
        "Latency percentiles are over successful requests; ok/s over the steady window "
        "(after every user has started)."
    )
    return out


def _errors(a: Analysis) -> list[str]:
    if not a.errors_by_kind:
        return ["No request failed."]
    out = ["| operation | kind | class | count |", "|---|---|---|---:|"]
    for (operation, kind, cls), n in a.errors_by_kind.most_common(40):
        out.append(f"| {operation} | {kind.replace('|', '/')} | {cls} | {n:,} |")
    out += [
        "",
        f"*refused*: a business answer under contention (no free stock, a retryable conflict, "
        f"nobody has the part), never counted. *excused*: a transport failure or a failed "
        f"demand that a fault could reach, within its window (injection until "
        f"{RECOVERY_GRACE_S:g} s after healing). *error*: everything else; counted.",
    ]
    return out


def _faults(a: Analysis) -> list[str]:
    if not a.faults:
        return ["None."]
    out = [
        "| injected at | fault | healed at | recovery | failures it caused | demands alive "
        "(confirmed / failed / re-planned / target left out) |",
        "|---:|---|---:|---:|---|---|",
    ]
    for f in a.faults:
        out.append(_fault_row(f))
    out.append("")
    out.append(
        "Recovery: from healing to the first success among the requests the fault "
        "reaches (a killed node's callers, the coordinator's clients, or a plan)."
    )
    return out


def _fault_row(f: FaultEffect) -> str:
    healed = f"{f.healed_s:.1f} s" if f.healed_s is not None else "never"
    recovery = f"{f.recovery_s:.1f} s" if f.recovery_s is not None else "–"
    errors = ", ".join(f"{k} ×{n}" for k, n in sorted(f.errors.items(), key=lambda x: -x[1]))
    d = f.demands
    alive = (
        f"{d['demands']} ({d['confirmed']} / {d['failed']} / {d['re-planned']} / "
        f"{d['target left out']})"
    )
    error = " ".join(f.action_error.split())[:200]
    what = f"{f.kind} {f.target}" + (f" **action failed: {error}**" if error else "")
    return f"| {f.injected_s:.1f} s | {what} | {healed} | {recovery} | {errors or '–'} | {alive} |"


def _invariants(a: Analysis) -> list[str]:
    if not a.records.invariants:
        return ["**Not checked.**"]
    out = ["| check | result | checked | rule |", "|---|---|---|---|"]
    for r in a.records.invariants:
        result = "pass" if r.passed else f"**FAIL ({r.violations})**"
        out.append(f"| {r.name} | {result} | {r.checked} | {r.rule} |")
    for r in a.records.invariants:
        if not r.passed:
            out += ["", f"{r.name}:", *[f"- {d}" for d in r.details]]
    return out


def _phases(a: Analysis) -> list[str]:
    phases = a.phases()
    if not phases:
        return ["No confirmed demand."]
    out = ["| phase | median ms | p99 ms | demands |", "|---|---:|---:|---:|"]
    for phase, (median, p99, n) in phases.items():
        out.append(f"| {phase} | {median:,.0f} | {p99:,.0f} | {n:,} |")
    out.append("")
    out.append(
        "The coordinator's own timings per confirmed plan (its latest revision); "
        "*queue and bookkeeping* is the server time outside them (waiting for a planning "
        "worker, database commits, audit log); *client total* adds HTTP and the automaker's "
        "long poll (answered the moment the demand is final)."
    )
    return out


SLOW_ROWS = 15


def _slow(a: Analysis) -> list[str]:
    slow = a.slow_demands(P99_TARGET_MS)
    if not slow:
        return [f"No urgent demand took longer than {P99_TARGET_MS / 1000:g} s."]
    out = [
        f"{len(slow)} urgent demand(s) took longer than {P99_TARGET_MS / 1000:g} s"
        + (f" (the slowest {SLOW_ROWS} shown)" if len(slow) > SLOW_ROWS else "")
        + ":",
        "",
        "| started at | automaker waited ms | coordinator ms | quote | solve | reserve | confirm "
        "| during |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in slow[:SLOW_ROWS]:
        server = "–" if d.server_ms is None else f"{d.server_ms:,.0f}"
        phases = " | ".join(
            f"{d.phases[p]:,.0f}" if p in d.phases else "–"
            for p in ("quote", "solve", "reserve", "confirm")
        )
        out.append(
            f"| {d.started_s:.1f} s | {d.client_ms:,.0f} | {server} | {phases} "
            f"| {', '.join(d.faults) or 'no fault'} |"
        )
    return out
