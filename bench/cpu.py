"""CPU time per call of the processes in a load run: where a 2-core machine's time goes.

Read from /proc (Linux); elsewhere the figures are simply not printed.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process so far, or None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_cpu_s() -> float | None:
    """CPU seconds of every local `postgres` process (server and backends) so far."""
    total, seen = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        seconds = process_cpu_s(int(entry.name))
        if seconds is not None:
            total, seen = total + seconds, True
    return total if seen else None


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuUse:
    """CPU seconds each named process spent during a `measured` block (None: unknown)."""

    seconds: dict[str, float | None] = field(default_factory=dict)

    def per_call_us(self, calls: int) -> str:
        parts = [
            f"{name} {1e6 * spent / calls:.0f}"
            for name, spent in self.seconds.items()
            if spent is not None and calls
        ]
        return ", ".join(parts)


@contextmanager
def measured(readers: dict[str, Callable[[], float | None]]) -> Iterator[CpuUse]:
    """CPU spent by each reader's process over the block; `client` is this process."""
    readers = {**readers, "client": _own_cpu_s}
    before = {name: read() for name, read in readers.items()}
    use = CpuUse()
    yield use
    for name, read in readers.items():
        start, end = before[name], read()
        use.seconds[name] = None if start is None or end is None else end - start
