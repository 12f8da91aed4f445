"""Carries out a fault schedule against the running alliance, on the load's clock, and
writes down what was done and when (faults.jsonl)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from loadtest.faults import Fault
from loadtest.proxy import Mode

PROXY_MODES = {"proxy-delay": Mode.DELAY, "proxy-drop": Mode.DROP, "proxy-cut": Mode.CUT}


class Target(Protocol):
    """What faults are done to (loadtest.cluster.Cluster in a run)."""

    def kill_node(self, member_id: str) -> None: ...
    def restart_node(self, member_id: str) -> None: ...
    def kill_coordinator(self) -> None: ...
    def restart_coordinator(self) -> None: ...
    def set_link(self, member_id: str, mode: Mode, delay_ms: int = 0) -> None: ...
    def restart_postgres(self) -> None: ...


@dataclass(frozen=True)
class FaultEvent:
    kind: str
    target: str
    phase: str  # "inject" or "heal"
    planned_s: float
    at_s: float  # when it was done, from load start
    took_s: float
    error: str = ""


def apply(target: Target, fault: Fault, phase: str) -> None:
    inject = phase == "inject"
    if fault.kind == "node-kill":
        (target.kill_node if inject else target.restart_node)(fault.target)
    elif fault.kind == "coordinator-kill":
        (target.kill_coordinator if inject else target.restart_coordinator)()
    elif fault.kind == "pg-restart":
        target.restart_postgres()
    else:
        mode = PROXY_MODES[fault.kind] if inject else Mode.PASS
        target.set_link(fault.target, mode, fault.delay_ms if inject else 0)


def steps(faults: list[Fault]) -> list[tuple[float, str, Fault]]:
    """Inject and heal actions in time order (a restart of PostgreSQL is one action)."""
    out = [(f.at_s, "inject", f) for f in faults]
    out += [(f.ends_at_s, "heal", f) for f in faults if f.kind != "pg-restart"]
    return sorted(out, key=lambda s: (s[0], s[1] == "inject"))


class Injector:
    """Each action runs on its own thread at its time, so a slow restart never delays the
    next fault; a heal waits for its own injection to have finished."""

    def __init__(
        self,
        target: Target,
        faults: list[Fault],
        log_path: Path,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._target = target
        self._steps = steps(faults)
        self._log_path = log_path
        self._say = say
        self._clock = clock
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._injected: dict[int, threading.Event] = {id(f): threading.Event() for f in faults}
        self._healed: set[int] = set()
        self._actions: list[threading.Thread] = []
        self.events: list[FaultEvent] = []
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def start(self, t0: float) -> None:
        self._t0 = t0
        self._thread = threading.Thread(target=self.run, args=(t0,), name="faults", daemon=True)
        self._thread.start()

    def run(self, t0: float) -> None:
        for planned_s, phase, fault in self._steps:
            if self._stop.wait(max(0.0, t0 + planned_s - self._clock())):
                return
            action = threading.Thread(
                target=self._do, args=(planned_s, phase, fault), name=f"fault-{phase}", daemon=True
            )
            self._actions.append(action)
            action.start()

    def finish(self) -> None:
        """Stop the schedule and heal whatever is still broken, so the run ends whole."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for action in self._actions:
            action.join(timeout=180)
        for _, phase, fault in self._steps:
            if phase == "heal" and self._injected[id(fault)].is_set():
                self._do(self._clock() - self._t0, "heal", fault)

    def _do(self, planned_s: float, phase: str, fault: Fault) -> None:
        if phase == "heal":
            self._injected[id(fault)].wait()
            with self._lock:
                if id(fault) in self._healed:
                    return
                self._healed.add(id(fault))
        at = self._clock()
        error = ""
        try:
            apply(self._target, fault, phase)
        except Exception as exc:  # noqa: BLE001 - recorded; the run goes on and reports it
            error = f"{type(exc).__name__}: {exc}"
        if phase == "inject":
            self._injected[id(fault)].set()
        self._record(
            FaultEvent(
                fault.kind, fault.target, phase, planned_s, at - self._t0, self._clock() - at, error
            )
        )

    def _record(self, event: FaultEvent) -> None:
        with self._lock:
            self.events.append(event)
            with self._log_path.open("a") as log:
                log.write(json.dumps(asdict(event)) + "\n")
        self._say(
            f"t={event.at_s:6.1f} s  {event.phase:<6} {event.kind} {event.target}"
            f" ({event.took_s:.1f} s){'  FAILED: ' + event.error if event.error else ''}"
        )


def read_events(path: Path) -> list[FaultEvent]:
    if not path.exists():
        return []
    return [FaultEvent(**json.loads(line)) for line in path.read_text().splitlines() if line]
