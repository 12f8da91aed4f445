"""What a run leaves in its output directory, read back for the report and the verdict."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtest.injector import FaultEvent, read_events
from loadtest.invariants.results import CheckResult
from loadtest.invariants.runner import OBSERVED_PLANS, read_results

RUN = "run.json"
REQUESTS = "requests.csv"
USERS = "users.csv"
FAULTS = "faults.jsonl"
INVARIANTS = "invariants.json"
PG_CONNECTIONS = "pg_connections.csv"


@dataclass(frozen=True)
class Request:
    start_s: float  # epoch seconds
    type: str
    name: str
    ms: float
    ok: bool
    error: str
    target: str
    detail: str

    @property
    def end_s(self) -> float:
        return self.start_s + self.ms / 1000

    @property
    def operation(self) -> str:
        return self.name if self.type in ("grpc", "flow") else f"{self.type} {self.name}"


@dataclass
class RunRecords:
    run: dict[str, Any]
    requests: list[Request]
    users: list[tuple[float, int]]
    faults: list[FaultEvent]
    invariants: list[CheckResult]
    observed: list[dict[str, Any]] = field(default_factory=list)
    # (time, held by the run, of those by the coordinator, held in all, max_connections)
    pg_connections: list[tuple[float, int, int, int, int]] = field(default_factory=list)

    @property
    def load_started_at(self) -> float:
        return float(self.run["load_started_at"])

    @property
    def load_s(self) -> float:
        return float(self.run["load_ended_at"]) - self.load_started_at


def read_records(out_dir: Path) -> RunRecords:
    invariants = out_dir / INVARIANTS
    return RunRecords(
        run=json.loads((out_dir / RUN).read_text()),
        requests=list(read_requests(out_dir / REQUESTS)),
        users=[(float(t), int(n)) for t, n in _csv_rows(out_dir / USERS)],
        faults=read_events(out_dir / FAULTS),
        invariants=read_results(invariants) if invariants.exists() else [],
        observed=_jsonl(out_dir / "alliance" / OBSERVED_PLANS),
        pg_connections=[
            (float(t), *(int(x) for x in rest))  # type: ignore[misc]
            for t, *rest in _csv_rows(out_dir / PG_CONNECTIONS)
        ],
    )


def read_requests(path: Path) -> Iterator[Request]:
    if not path.exists():
        return
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            yield Request(
                float(row["start_s"]),
                row["type"],
                row["name"],
                float(row["ms"]),
                row["ok"] == "1",
                row["error"],
                row["target"],
                row["detail"],
            )


def _csv_rows(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.reader(f))[1:]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
