"""The figures a run is judged by, computed once from its records."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from loadtest.report.classify import ERROR, EXCUSED, OK, REFUSED, Window, classify, windows
from loadtest.report.records import Request, RunRecords
from loadtest.report.series import OperationSummary, percentile, summarize

FLOW = "POST → confirmed"
RESERVE = "NodeService/Reserve"
MAX_ERROR_RATE = 0.01


@dataclass(frozen=True)
class FaultEffect:
    kind: str
    target: str
    injected_s: float
    healed_s: float | None
    action_error: str
    errors: dict[str, int]  # kind -> failed requests the fault reached in its window
    recovery_s: float | None  # heal -> first success of what the fault stopped
    demands: dict[str, int]  # demands alive during the window: confirmed, failed, re-planned


@dataclass(frozen=True)
class SlowDemand:
    started_s: float  # after the load started
    client_ms: float  # what the automaker waited: POST to the final status
    server_ms: float | None  # created to final, as the coordinator timed it
    phases: dict[str, float]  # the coordinator's phase timings of its latest plan
    faults: list[str]  # "kind target" of every fault window the demand overlapped


@dataclass
class Analysis:
    records: RunRecords
    windows: list[Window]
    classes: list[str]
    operations: list[OperationSummary]
    steady: tuple[float, float]
    errors_by_kind: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    faults: list[FaultEffect] = field(default_factory=list)

    def operation(self, name: str) -> OperationSummary | None:
        return next((o for o in self.operations if o.operation == name), None)

    @property
    def requests(self) -> int:
        return len(self.classes)

    @property
    def counted_errors(self) -> int:
        return self.classes.count(ERROR)

    @property
    def error_rate(self) -> float:
        return self.counted_errors / self.requests if self.requests else 0.0

    @property
    def echo(self) -> dict[str, float]:
        return dict(self.records.run.get("echo", {}))

    def reserve_ratio(self) -> float | None:
        reserve, echo = self.operation(RESERVE), self.echo.get("calls_per_s")
        return reserve.ok_per_s / echo if reserve and echo else None

    def server_percentiles(self) -> tuple[float, float, float]:
        """POST -> confirmed as the coordinator timed it (created to confirmed), exact."""
        ordered = sorted(
            float(d["updated_at_ms"] - d["created_at_ms"])
            for d in self.records.observed
            if d["status"] == "confirmed"
        )
        return percentile(ordered, 0.5), percentile(ordered, 0.95), percentile(ordered, 0.99)

    def phases(self) -> dict[str, tuple[float, float, int]]:
        """Coordinator phase timings over confirmed demands: median, p99, n."""
        by_phase: dict[str, list[float]] = defaultdict(list)
        for demand in self.records.observed:
            if demand["status"] != "confirmed":
                continue
            # "total" (received -> confirmed, re-plans included) is the coordinator's own sum.
            timings = {k: v for k, v in demand["plan"]["timings_ms"].items() if k != "total"}
            for phase, ms in timings.items():
                by_phase[phase].append(float(ms))
            server = demand["updated_at_ms"] - demand["created_at_ms"]
            by_phase["server total"].append(float(server))
            by_phase["queue and bookkeeping"].append(float(server - sum(timings.values())))
            by_phase["client total"].append(float(demand["client_ms"]))
        return {
            phase: (statistics.median(v), percentile(sorted(v), 0.99), len(v))
            for phase, v in by_phase.items()
        }

    def slow_demands(self, over_ms: float) -> list[SlowDemand]:
        """Every urgent demand the automaker waited more than `over_ms` for, slowest first,
        with where the coordinator spent its time and the faults it ran into."""
        plans = {d["demand_id"]: d for d in self.records.observed}
        t0 = self.records.load_started_at
        slow = []
        for request in self.records.requests:
            if request.name != FLOW or request.ms <= over_ms:
                continue
            detail = json.loads(request.detail) if request.detail else {}
            demand = plans.get(detail.get("demand_id", ""))
            timings = dict(demand["plan"]["timings_ms"]) if demand else {}
            timings.pop("total", None)
            slow.append(
                SlowDemand(
                    round(request.start_s - t0, 1),
                    request.ms,
                    detail.get("server_ms"),
                    timings,
                    [f"{w.kind} {w.target}" for w in self.windows if w.reaches(request)],
                )
            )
        return sorted(slow, key=lambda d: -d.client_ms)


def analyse(records: RunRecords) -> Analysis:
    t0 = records.load_started_at
    fault_windows = windows(records.faults, t0)
    classes = [classify(r, fault_windows) for r in records.requests]
    ramp_s = float(records.run.get("ramp_s", 0))
    steady = (t0 + ramp_s, t0 + records.load_s)
    analysis = Analysis(
        records, fault_windows, classes, summarize(records.requests, classes, steady), steady
    )
    for request, cls in zip(records.requests, classes, strict=True):
        if cls != OK:
            analysis.errors_by_kind[(request.operation, request.error, cls)] += 1
    analysis.faults = [_effect(analysis, w) for w in fault_windows]
    return analysis


def _effect(analysis: Analysis, window: Window) -> FaultEffect:
    records, t0 = analysis.records, analysis.records.load_started_at
    events = [e for e in records.faults if (e.kind, e.target) == (window.kind, window.target)]
    inject = next((e for e in events if e.phase == "inject"), None)
    heal = next((e for e in events if e.phase == "heal"), None)
    healed_at = (
        (heal.at_s + heal.took_s)
        if heal
        else (inject.at_s + inject.took_s if inject and window.kind == "pg-restart" else None)
    )
    reached = [
        (r, c)
        for r, c in zip(records.requests, analysis.classes, strict=True)
        if c in (EXCUSED, ERROR, REFUSED) and window.reaches(r)
    ]
    return FaultEffect(
        window.kind,
        window.target,
        (inject.at_s if inject else window.starts_s - t0),
        healed_at,
        "; ".join(e.error for e in events if e.error),
        dict(Counter(r.error for r, _ in reached)),
        _recovery(records.requests, window, t0 + healed_at) if healed_at is not None else None,
        _demands_during(records.observed, window),
    )


def _recovery(requests: list[Request], window: Window, healed_at: float) -> float | None:
    """Seconds from the heal to the first success among the requests this fault reaches
    (started after the heal)."""
    probe = Window(window.kind, window.target, healed_at, float("inf"))
    firsts = [r.end_s for r in requests if r.ok and r.start_s >= healed_at and probe.reaches(r)]
    return round(min(firsts) - healed_at, 2) if firsts else None


def _demands_during(observed: list[dict[str, Any]], window: Window) -> dict[str, int]:
    alive = [
        d
        for d in observed
        if d["created_at_ms"] / 1000 <= window.ends_s
        and d["updated_at_ms"] / 1000 >= window.starts_s
    ]
    return {
        "demands": len(alive),
        "confirmed": sum(d["status"] == "confirmed" for d in alive),
        "failed": sum(d["status"] == "failed" for d in alive),
        "re-planned": sum(d["plan"]["revision"] > 1 for d in alive),
        "target left out": sum(window.target in d["plan"]["nodes_left_out"] for d in alive),
    }


__all__ = ["ERROR", "EXCUSED", "MAX_ERROR_RATE", "OK", "REFUSED", "Analysis", "analyse"]
