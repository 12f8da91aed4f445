"""The fault injector keeps to its schedule while an action is slow, and heals what is left."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from loadtest.faults import parse_schedule
from loadtest.injector import Injector, read_events
from loadtest.proxy import Mode

MEMBERS = ["S01", "S02", "S03"]


class _Alliance:
    """Records what was done to it; restarting a node takes a while, as it does for real."""

    def __init__(self, restart_s: float) -> None:
        self.restart_s = restart_s
        self.done: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    def _note(self, what: str) -> None:
        with self._lock:
            self.done.append((time.monotonic() - self._t0, what))

    def kill_node(self, member_id: str) -> None:
        self._note(f"kill {member_id}")

    def restart_node(self, member_id: str) -> None:
        time.sleep(self.restart_s)
        self._note(f"restart {member_id}")

    def kill_coordinator(self) -> None:
        self._note("kill coordinator")

    def restart_coordinator(self) -> None:
        self._note("restart coordinator")

    def set_link(self, member_id: str, mode: Mode, delay_ms: int = 0) -> None:
        self._note(f"link {member_id} {mode.value} {delay_ms}")

    def restart_postgres(self) -> None:
        self._note("restart postgresql")


def test_a_slow_restart_does_not_hold_up_the_next_fault(tmp_path: Path) -> None:
    faults = parse_schedule("node-kill:S01@0+0.1, proxy-delay:S02@0.3+0.1=80ms", MEMBERS, 1)
    alliance = _Alliance(restart_s=0.6)
    injector = Injector(alliance, faults, tmp_path / "faults.jsonl", say=lambda _: None)
    injector.start(time.monotonic())
    time.sleep(1.0)
    injector.finish()
    order = [what for _, what in alliance.done]
    assert order == ["kill S01", "link S02 delay 80", "link S02 pass 0", "restart S01"]
    delayed_at = dict((what, at) for at, what in alliance.done)["link S02 delay 80"]
    assert delayed_at < 0.5  # on time, while S01 was still restarting
    events = read_events(tmp_path / "faults.jsonl")
    assert [(e.kind, e.phase) for e in events if e.kind == "node-kill"] == [
        ("node-kill", "inject"),
        ("node-kill", "heal"),
    ]
    assert next(e for e in events if e.phase == "heal" and e.kind == "node-kill").took_s >= 0.6


def test_finish_heals_what_the_schedule_had_not_healed_yet(tmp_path: Path) -> None:
    faults = parse_schedule("proxy-cut:S03@0+30, coordinator-kill@0.05+30", MEMBERS, 1)
    alliance = _Alliance(restart_s=0)
    injector = Injector(alliance, faults, tmp_path / "faults.jsonl", say=lambda _: None)
    injector.start(time.monotonic())
    time.sleep(0.3)
    injector.finish()
    injector.finish()  # idempotent: nothing is healed twice
    assert [what for _, what in alliance.done] == [
        "link S03 cut 0",
        "kill coordinator",
        "link S03 pass 0",
        "restart coordinator",
    ]
