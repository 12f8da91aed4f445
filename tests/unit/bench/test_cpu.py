"""The CPU figures `make bench` prints beside its rates come from /proc and getrusage."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench import cpu


def _burn(seconds: float) -> None:
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_a_process_cpu_time_grows_with_its_work() -> None:
    before = cpu.process_cpu_s(os.getpid())
    _burn(0.2)
    after = cpu.process_cpu_s(os.getpid())
    assert before is not None and after is not None
    assert after - before >= 0.15


def test_an_unknown_process_has_no_figure() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is free, /proc has nothing for it
    assert cpu.process_cpu_s(child.pid) is None


def test_measured_counts_each_process_and_the_client() -> None:
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with cpu.measured({"idle": lambda: cpu.process_cpu_s(idle.pid)}) as use:
            _burn(0.2)
    finally:
        idle.kill()
        idle.wait()
    assert use.seconds["client"] is not None and use.seconds["client"] >= 0.15
    assert use.seconds["idle"] is not None and use.seconds["idle"] < 0.1
    per_call = use.per_call_us(1000)
    assert per_call.startswith("idle ") and ", client " in per_call


def test_unknown_figures_are_left_out_of_the_line() -> None:
    use = cpu.CpuUse({"node": None, "client": 0.5})
    assert use.per_call_us(1000) == "client 500"
