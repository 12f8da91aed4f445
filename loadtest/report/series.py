"""Throughput and latency percentiles per operation: over the whole run and per time bucket."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from loadtest.report.classify import ERROR, EXCUSED, OK, REFUSED
from loadtest.report.records import Request

QUANTILES = (0.50, 0.95, 0.99)


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest rank on sorted values; NaN when there are none."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass(frozen=True)
class OperationSummary:
    operation: str
    requests: int
    counts: dict[str, int]  # ok / refused / excused / error
    ok_per_s: float  # successes per second over the steady window
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def errors(self) -> int:
        return self.counts.get(ERROR, 0)


def summarize(
    requests: Sequence[Request], classes: Sequence[str], steady: tuple[float, float]
) -> list[OperationSummary]:
    """Latency percentiles of successful requests; rate over the steady window (epoch s)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    in_steady: Counter[str] = Counter()
    for request, cls in zip(requests, classes, strict=True):
        counts[request.operation][cls] += 1
        if cls == OK:
            latencies[request.operation].append(request.ms)
            if steady[0] <= request.start_s < steady[1]:
                in_steady[request.operation] += 1
    seconds = max(steady[1] - steady[0], 1e-9)
    out = []
    for operation in sorted(counts):
        ordered = sorted(latencies[operation])
        p50, p95, p99 = (percentile(ordered, q) for q in QUANTILES)
        c = counts[operation]
        out.append(
            OperationSummary(
                operation,
                sum(c.values()),
                {k: c.get(k, 0) for k in (OK, REFUSED, EXCUSED, ERROR)},
                in_steady[operation] / seconds,
                p50,
                p95,
                p99,
            )
        )
    return out


@dataclass(frozen=True)
class Bucket:
    t_s: float  # from load start
    ok_per_s: float
    failed_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def buckets(
    requests: Sequence[Request], t0: float, bucket_s: float, operation: str
) -> list[Bucket]:
    """One operation's throughput and percentiles per time bucket (by request start)."""
    ok: dict[int, list[float]] = defaultdict(list)
    failed: Counter[int] = Counter()
    for r in requests:
        if r.operation != operation:
            continue
        index = int((r.start_s - t0) // bucket_s)
        if r.ok:
            ok[index].append(r.ms)
        else:
            failed[index] += 1
    out = []
    for index in range(min([*ok, *failed], default=0), max([*ok, *failed], default=-1) + 1):
        ordered = sorted(ok[index])
        p50, p95, p99 = (percentile(ordered, q) for q in QUANTILES)
        out.append(
            Bucket(
                index * bucket_s, len(ordered) / bucket_s, failed[index] / bucket_s, p50, p95, p99
            )
        )
    return out
