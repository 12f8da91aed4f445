"""Pass or fail: what `make loadtest-smoke` exits on."""

from __future__ import annotations

from dataclasses import dataclass, field

from loadtest.report.analysis import FLOW, MAX_ERROR_RATE, RESERVE, Analysis


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: list[str] = field(default_factory=list)


def judge(analysis: Analysis) -> Verdict:
    """Fails on any invariant violation, a counted error rate above 1 %, a fault that could
    not be injected, or a run that did not actually load the alliance."""
    failures, notes = [], []
    invariants = analysis.records.invariants
    broken = [r.name for r in invariants if not r.passed]
    if not invariants:
        failures.append("the invariants were not checked")
    elif broken:
        failures.append(f"invariants violated: {', '.join(broken)}")
    else:
        notes.append(f"all {len(invariants)} invariants hold")
    rate = analysis.error_rate
    (failures if rate > MAX_ERROR_RATE else notes).append(
        f"counted error rate {rate:.3%} (limit {MAX_ERROR_RATE:.0%})"
    )
    for fault in analysis.faults:
        if fault.action_error:
            failures.append(f"{fault.kind} {fault.target} could not be done: {fault.action_error}")
    for name in (FLOW, RESERVE):
        summary = analysis.operation(name)
        if summary is None or summary.counts.get("ok", 0) == 0:
            failures.append(f"no successful {name}: the load did not reach the alliance")
    return Verdict(not failures, failures + notes)
