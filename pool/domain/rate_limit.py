"""Per-key token buckets on an injectable clock."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from pool.domain.clock import Clock


@dataclass
class _Bucket:
    tokens: float
    at_ms: int


class RateLimiter:
    """`requests_per_minute` tokens per key, refilled continuously, burst up to the same size."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, requests_per_minute: int) -> int:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        now = self._clock.now_ms()
        rate_per_ms = requests_per_minute / 60_000
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(requests_per_minute), now)
            elapsed = max(0, now - bucket.at_ms)
            bucket.tokens = min(float(requests_per_minute), bucket.tokens + elapsed * rate_per_ms)
            bucket.at_ms = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / rate_per_ms / 1000))
