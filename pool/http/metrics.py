"""Prometheus metrics of the coordinator: HTTP traffic, demands by status, time to plan,
and how stale the pool view is. One registry per app, so tests can build many apps."""

from __future__ import annotations

import threading
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from pool.service import api

_METRICS_PRINCIPAL = api.Principal(api.Role.OPERATOR, "metrics")
_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
_TERMINAL = (api.DemandStatus.CONFIRMED, api.DemandStatus.FAILED)
DEMANDS_SCANNED = 10_000


class PoolMetrics:
    def __init__(self, coordinator: api.Coordinator) -> None:
        self.coordinator = coordinator
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "alliance_pool_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "alliance_pool_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=r,
        )
        self.demands = Gauge(
            "alliance_pool_demands",
            "demands by status (latest demands scanned)",
            ["status"],
            registry=r,
        )
        self.time_to_plan = Histogram(
            "alliance_pool_time_to_plan_seconds",
            "demand received to plan decided",
            buckets=_SECONDS_BUCKETS,
            registry=r,
        )
        self.time_to_confirm = Histogram(
            "alliance_pool_time_to_confirm_seconds",
            "demand received to plan confirmed",
            buckets=_SECONDS_BUCKETS,
            registry=r,
        )
        self.member_stale = Gauge(
            "alliance_pool_member_stale",
            "1 when the node has been silent too long",
            ["member_id"],
            registry=r,
        )
        self.member_silence = Gauge(
            "alliance_pool_member_silence_seconds",
            "seconds since the node's last event",
            ["member_id"],
            registry=r,
        )
        self.stale_members = Gauge(
            "alliance_pool_stale_members",
            "active members whose pool view is stale",
            registry=r,
        )
        self.long_polls = Gauge(
            "alliance_pool_long_polls",
            "readers waiting for a demand's final status now (at most max_long_polls)",
            registry=r,
        )
        self._observed: set[str] = set()
        self._lock = threading.Lock()  # scrapes may overlap

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        with self._lock:
            self.refresh()
            return generate_latest(self.registry)

    def refresh(self) -> None:
        """Read the coordinator's state into the gauges; observe plans finished since."""
        demands = self.coordinator.list_demands(_METRICS_PRINCIPAL, limit=DEMANDS_SCANNED)
        counts = {status: 0 for status in api.DemandStatus}
        for demand in demands:
            counts[demand.status] += 1
            if demand.status in _TERMINAL and demand.demand_id not in self._observed:
                self._observed.add(demand.demand_id)
                self._observe_timings(demand)
        for status, count in counts.items():
            self.demands.labels(status.value).set(count)
        self.long_polls.set(self.coordinator.waiting_readers)
        self._refresh_members()

    def _observe_timings(self, demand: api.DemandView) -> None:
        if demand.plan is None:
            return
        timings = demand.plan.timings_ms
        if "quote" in timings or "solve" in timings:
            self.time_to_plan.observe((timings.get("quote", 0) + timings.get("solve", 0)) / 1000)
        if demand.status is api.DemandStatus.CONFIRMED:
            total_ms = timings.get("total", demand.updated_at_ms - demand.created_at_ms)
            self.time_to_confirm.observe(max(0, total_ms) / 1000)

    def _refresh_members(self) -> None:
        now_ms = time.time() * 1000
        self.member_stale.clear()
        self.member_silence.clear()
        stale = 0
        for member in self.coordinator.members(_METRICS_PRINCIPAL):
            if not member.active:
                continue
            stale += member.stale
            self.member_stale.labels(member.member_id).set(int(member.stale))
            if member.last_event_at_ms is not None:
                silence_s = max(0.0, (now_ms - member.last_event_at_ms) / 1000)
                self.member_silence.labels(member.member_id).set(silence_s)
        self.stale_members.set(stale)
