"""Closed-loop load: N concurrent clients each sending one request after another."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self, label: str) -> str:
        return (
            f"{label:<38} clients={self.clients:<3} {self.per_second:8.0f}/s  "
            f"p50={self.quantile(0.50):6.1f} ms  p99={self.quantile(0.99):6.1f} ms  "
            f"n={self.requests} errors={self.errors}"
        )


Call = Callable[[grpc.aio.Channel, int, int], Awaitable[object]]


async def _run(target: str, call: Call, clients: int, duration_s: float) -> LoadResult:
    # One channel per 10 clients: enough HTTP/2 connections without one per client.
    channels = [grpc.aio.insecure_channel(target) for _ in range(max(1, clients // 10))]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration_s

    async def client(index: int) -> None:
        nonlocal errors
        channel = channels[index % len(channels)]
        n = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await call(channel, index, n)
                latencies.append((time.perf_counter() - started) * 1000)
            except grpc.aio.AioRpcError:
                errors += 1
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    seconds = time.perf_counter() - started
    for channel in channels:
        await channel.close()
    return LoadResult(clients, len(latencies), errors, seconds, latencies)


def run(target: str, call: Call, clients: int, duration_s: float) -> LoadResult:
    return asyncio.run(_run(target, call, clients, duration_s))


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50={statistics.median(ordered):.1f} ms p99={p99:.1f} ms n={len(ordered)}"
