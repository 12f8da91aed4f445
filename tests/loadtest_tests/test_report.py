"""The report and the verdict, from a recorded run (written here as a run leaves it)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from loadtest.injector import FaultEvent
from loadtest.invariants.results import CheckResult
from loadtest.invariants.runner import OBSERVED_PLANS, write_results
from loadtest.report import build_report
from loadtest.report.classify import ERROR, EXCUSED, OK, REFUSED, classify, windows
from loadtest.report.records import Request

T0 = 1_800_000_000.0
FLOW = "POST → confirmed"


def _row(t: float, type_: str, name: str, ms: float, error: str = "", target: str = "") -> list:
    return [f"{T0 + t:.3f}", type_, name, ms, 0 if error else 1, error, target, ""]


def _requests(rng: random.Random, extra: list[list]) -> list[list]:
    rows = []
    for second in range(30):
        for i in range(10):
            rows.append(
                _row(
                    second + i / 10,
                    "grpc",
                    "NodeService/Reserve",
                    rng.uniform(3, 9),
                    target=f"S{1 + i:02d}",
                )
            )
        rows.append(_row(second, "flow", FLOW, rng.uniform(800, 1500), target="coordinator"))
        rows.append(_row(second + 0.5, "GET", "/v1/demands/{id}", 12.0, target="coordinator"))
    return rows + extra


def _record(out: Path, extra: list[list], invariants_hold: bool = True) -> Path:
    rng = random.Random(3)
    (out / "alliance").mkdir(parents=True)
    run = {
        "profile": "smoke",
        "duration_s": 30,
        "ramp_s": 2,
        "seed": 7,
        "users": {"automakers": 10, "reservers": 12, "clerks": 6},
        "faults": "node-kill:S03@8+4",
        "load_started_at": T0,
        "load_ended_at": T0 + 30,
        "echo": {
            "clients": 50,
            "seconds": 5,
            "calls_per_s": 3000.0,
            "p50_ms": 10,
            "p99_ms": 20,
            "errors": 0,
        },
        "node_reservations": {"count": 330, "per_s": 11.0},
    }
    (out / "run.json").write_text(json.dumps(run))
    with (out / "requests.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["start_s", "type", "name", "ms", "ok", "error", "target", "detail"])
        writer.writerows(_requests(rng, extra))
    (out / "users.csv").write_text(
        "t_s,users\n" + "".join(f"{T0 + s},{min(28, 14 * s)}\n" for s in range(31))
    )
    events = [
        FaultEvent("node-kill", "S03", "inject", 8, 8.0, 0.1),
        FaultEvent("node-kill", "S03", "heal", 12, 12.0, 1.5),
    ]
    (out / "faults.jsonl").write_text("".join(json.dumps(e.__dict__) + "\n" for e in events))
    checks = [CheckResult(f"check {i}", "rule", "12 nodes", 0) for i in range(5)]
    checks.append(
        CheckResult(
            "ledgers reconcile",
            "rule",
            "12 nodes",
            0 if invariants_hold else 1,
            [] if invariants_hold else ["S04: part X: valuated 3, lots 2"],
        )
    )
    write_results(checks, out / "invariants.json")
    observed = [
        {
            "demand_id": f"d{s}",
            "status": "confirmed",
            "failure": "",
            "client_ms": 1000.0,
            "created_at_ms": int((T0 + s) * 1000),
            "updated_at_ms": int((T0 + s) * 1000) + 900,
            "plan": {
                "plan_id": f"p{s}",
                "revision": 2 if s == 9 else 1,
                "allocations": [],
                "timings_ms": {"quote": 100, "solve": 50, "reserve": 200, "confirm": 300},
                "nodes_left_out": ["S03"] if 8 <= s <= 13 else [],
            },
        }
        for s in range(30)
    ]
    (out / "alliance" / OBSERVED_PLANS).write_text("".join(json.dumps(d) + "\n" for d in observed))
    return out


def test_report_states_figures_faults_invariants_and_draws_plots(tmp_path: Path) -> None:
    out = _record(
        tmp_path / "run",
        [
            _row(9.0, "grpc", "NodeService/Reserve", 2.0, "grpc UNAVAILABLE", "S03"),
            _row(3.0, "grpc", "NodeService/Reserve", 4.0, "grpc FAILED_PRECONDITION", "S05"),
        ],
    )
    verdict = build_report(out)
    assert verdict.passed, verdict.reasons
    report = (out / "report.md").read_text()
    assert report.startswith("# Load test `smoke`: PASS")
    assert "Urgent demands confirmed: 1.00/s sustained" in report
    assert "reservations / echo = 0.003" in report  # 10 Reserve/s against 3,000 echo calls/s
    assert "| NodeService/Reserve | 302 | 10.00 |" in report
    assert "| 8.0 s | node-kill S03 | 13.5 s |" in report  # healed when the restart finished
    assert "grpc UNAVAILABLE ×1" in report
    assert "| ledgers reconcile | pass |" in report
    assert "| queue and bookkeeping | 250 | 250 | 30 |" in report  # 900 - (100+50+200+300)
    for name in ("throughput", "latency", "errors"):
        assert (out / f"{name}.png").read_bytes().startswith(b"\x89PNG")
        assert f"![{name}]({name}.png)" in report


def test_the_report_lists_each_demand_over_five_seconds_with_its_phases_and_faults(
    tmp_path: Path,
) -> None:
    slow = _row(9.0, "flow", FLOW, 6_400.0, target="coordinator")
    slow[-1] = json.dumps({"demand_id": "d9", "server_ms": 900})
    out = _record(tmp_path / "run", [slow, _row(26.0, "flow", FLOW, 5_900.0, target="coordinator")])
    build_report(out)
    report = (out / "report.md").read_text()
    assert "2 urgent demand(s) took longer than 5 s:" in report
    # Slowest first; d9's phases from its plan; it ran into the node kill, the other did not.
    rows = [line for line in report.splitlines() if line.startswith("| 9.0 s |")]
    assert rows == ["| 9.0 s | 6,400 | 900 | 100 | 50 | 200 | 300 | node-kill S03 |"]
    assert "| 26.0 s | 5,900 | – | – | – | – | – | no fault |" in report
    assert report.index("| 9.0 s | 6,400") < report.index("| 26.0 s | 5,900")


def test_errors_above_one_percent_fail_the_run(tmp_path: Path) -> None:
    # 5 of 365 requests, 1.37 %: NOT_FOUND for a granted hold, outside any fault window.
    extra = [
        _row(20.0 + i / 10, "grpc", "NodeService/Confirm", 3.0, "grpc NOT_FOUND", "S01")
        for i in range(5)
    ]
    verdict = build_report(_record(tmp_path / "run", extra))
    assert not verdict.passed
    assert any("counted error rate 1.370%" in r for r in verdict.reasons), verdict.reasons


def test_a_violated_invariant_fails_the_run_and_is_shown(tmp_path: Path) -> None:
    out = _record(tmp_path / "run", [], invariants_hold=False)
    verdict = build_report(out)
    assert not verdict.passed
    assert "invariants violated: ledgers reconcile" in verdict.reasons
    assert "- S04: part X: valuated 3, lots 2" in (out / "report.md").read_text()


def _request(t: float, error: str, target: str, type_: str = "grpc") -> Request:
    return Request(T0 + t, type_, "NodeService/Reserve", 50.0, not error, error, target, "")


def test_classification_excuses_only_what_a_fault_could_cause_while_it_lasted() -> None:
    fault_windows = windows(
        [
            FaultEvent("node-kill", "S03", "inject", 8, 8.0, 0.1),
            FaultEvent("node-kill", "S03", "heal", 12, 12.0, 1.0),
            FaultEvent("proxy-cut", "S07", "inject", 20, 20.0, 0.0),
            FaultEvent("proxy-cut", "S07", "heal", 25, 25.0, 0.0),
        ],
        T0,
    )
    assert classify(_request(5, "", "S03"), fault_windows) == OK
    assert classify(_request(5, "grpc FAILED_PRECONDITION", "S01"), fault_windows) == REFUSED
    assert classify(_request(10, "grpc UNAVAILABLE", "S03"), fault_windows) == EXCUSED
    assert classify(_request(22, "grpc UNAVAILABLE", "S03"), fault_windows) == EXCUSED  # grace
    assert classify(_request(24, "grpc UNAVAILABLE", "S03"), fault_windows) == ERROR  # after it
    assert classify(_request(10, "grpc UNAVAILABLE", "S04"), fault_windows) == ERROR  # elsewhere
    assert classify(_request(10, "grpc NOT_FOUND", "S03"), fault_windows) == ERROR  # no symptom
    # The proxy is on the coordinator's link only: direct callers are not excused, plans are.
    assert classify(_request(21, "grpc UNAVAILABLE", "S07"), fault_windows) == ERROR
    flow = Request(T0 + 21, "flow", FLOW, 4000.0, False, "demand failed: x", "coordinator", "")
    assert classify(flow, fault_windows) == EXCUSED
