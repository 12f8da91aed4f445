"""Time as the node sees it: injected, so expiry and time-to-live are testable."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from typing import Protocol

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Wall-clock time in epoch milliseconds."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to (tests, simulations)."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:  # 2026-01-01T00:00:00Z
        self._now_ms = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            return self._now_ms

    def advance(self, *, ms: int = 0, seconds: int = 0, days: int = 0) -> int:
        with self._lock:
            self._now_ms += ms + seconds * 1000 + days * DAY_MS
            return self._now_ms

    def set(self, now_ms: int) -> None:
        with self._lock:
            self._now_ms = now_ms


def utc_date(at_ms: int) -> date:
    """The UTC calendar date of an instant; lot expiry dates are compared against it."""
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC).date()


def start_of_day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000
