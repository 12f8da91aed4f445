"""Automakers posting urgent demands to the coordinator and waiting for the final status.

Each demand is POSTed with an Idempotency-Key and retried with the same key while the
coordinator is unreachable (that is what the key is for); now and then the same POST is
replayed on purpose and must answer with the stored demand. It then long-polls the demand
(`GET /v1/demands/{id}?wait_ms=`), which the coordinator answers the moment it is confirmed or
failed, so "POST → confirmed", reported as its own request type, is the time until the
automaker knows, without a polling interval on top.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from itertools import count
from typing import IO, Any, ClassVar

import gevent
from locust import FastHttpUser, task

from loadtest.swarm_config import SwarmConfig

FLOW = "POST → confirmed"
POST_RETRY_S = 45.0  # longer than a coordinator restart
FLOW_DEADLINE_S = 90.0
LONG_POLL_MS = 10_000  # each GET waits at most this long for the final status
RETRY_S = 0.5  # after a failed GET (the coordinator unreachable) or an answer without waiting
REPLAY_SHARE = 0.05
FINAL = ("confirmed", "failed")


class DemandNotConfirmed(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class AutomakerUser(FastHttpUser):
    abstract = True  # made concrete by users.configure
    config: ClassVar[SwarmConfig]
    observed: ClassVar[IO[str]]
    _numbers: ClassVar[count[int]] = count()

    def on_start(self) -> None:
        self.index = next(AutomakerUser._numbers)
        self.rng = random.Random(f"{self.config.seed}/automaker/{self.index}")
        tenants = sorted(self.config.tenant_keys)
        self.tenant = tenants[self.index % len(tenants)]
        self.auth = {"Authorization": f"Bearer {self.config.tenant_keys[self.tenant]}"}
        self.demands = 0
        # Automakers arrive spread over one think time, not all in the first second.
        low, high = self.config.users["automaker_wait_s"]
        gevent.sleep(self.rng.uniform(0, (low + high) / 2))

    def context(self) -> dict[str, Any]:
        return {"target": "coordinator"}

    @task
    def urgent_demand(self) -> None:
        body, key = self._demand_body(), str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        started_at, started = time.time(), time.perf_counter()
        demand = self._post(body, key)
        if demand is not None and self.rng.random() < REPLAY_SHARE:
            self._replay(body, key, demand["demand_id"])
        final = self._await_final(demand["demand_id"], started) if demand else None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._report(final, started_at, elapsed_ms)

    def _demand_body(self) -> dict[str, Any]:
        config, rng = self.config, self.rng
        self.demands += 1
        parts = rng.sample(sorted(config.pooled), rng.randint(*config.demand_lines))
        now_ms = int(time.time() * 1000)
        return {
            "reference": f"LT-{self.tenant}-{self.index}-{self.demands}",
            "lines": [
                {
                    "line_id": f"{i:02d}",
                    "part_number": part,
                    "quantity": rng.randint(1, max(1, config.pooled[part] // 25)),
                    "unit_of_measure": "C62",
                    "due_at_ms": now_ms + rng.choice((48, 72, 96, 120)) * 3_600_000,
                    "destination": rng.choice(config.plants),
                }
                for i, part in enumerate(parts, start=1)
            ],
        }

    def _post(self, body: dict[str, Any], key: str) -> dict[str, Any] | None:
        headers = {**self.auth, "Idempotency-Key": key}
        deadline = time.monotonic() + POST_RETRY_S
        while True:
            with self.client.post(
                "/v1/demands",
                json=body,
                headers=headers,
                name="/v1/demands",
                catch_response=True,
            ) as response:
                if response.status_code in (200, 201):
                    response.success()
                    return response.json()
                response.failure(_http_kind(response))
                if 0 < response.status_code < 500 or time.monotonic() > deadline:
                    return None
            gevent.sleep(0.5)

    def _replay(self, body: dict[str, Any], key: str, demand_id: str) -> None:
        headers = {**self.auth, "Idempotency-Key": key}
        with self.client.post(
            "/v1/demands",
            json=body,
            headers=headers,
            name="/v1/demands (replay)",
            catch_response=True,
        ) as response:
            if response.status_code == 0 or response.status_code >= 500:
                response.failure(_http_kind(response))
            elif response.status_code != 200 or response.json()["demand_id"] != demand_id:
                response.failure(f"idempotency: replay answered {response.status_code}")
            else:
                response.success()

    def _await_final(self, demand_id: str, started: float) -> dict[str, Any] | None:
        while time.perf_counter() - started < FLOW_DEADLINE_S:
            asked = time.perf_counter()
            with self.client.get(
                f"/v1/demands/{demand_id}?wait_ms={LONG_POLL_MS}",
                headers=self.auth,
                name="/v1/demands/{id}?wait_ms (long poll)",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    response.success()
                    demand = response.json()
                else:
                    response.failure(_http_kind(response))
                    demand = None
            if demand is not None and demand["status"] in FINAL:
                return demand
            if time.perf_counter() - asked < LONG_POLL_MS / 1000:
                gevent.sleep(RETRY_S)  # answered without waiting: do not spin
        return None

    def _report(self, final: dict[str, Any] | None, started_at: float, elapsed_ms: float) -> None:
        exception = None
        if final is None:
            exception = DemandNotConfirmed("demand timeout: no final status")
        elif final["status"] != "confirmed":
            exception = DemandNotConfirmed(_failure_kind(final))
        detail = {}
        if final is not None:
            detail = {
                "demand_id": final["demand_id"],
                "server_ms": final["updated_at_ms"] - final["created_at_ms"],
            }
            self.observed.write(json.dumps(_observed(final, elapsed_ms)) + "\n")
        self.environment.events.request.fire(
            request_type="flow",
            name=FLOW,
            response_time=elapsed_ms,
            response_length=0,
            response=None,
            context={"target": "coordinator", "detail": json.dumps(detail)},
            exception=exception,
            start_time=started_at,
        )


def _http_kind(response: Any) -> str:
    if response.status_code == 0:
        error = getattr(response, "error", None)
        return f"http transport: {type(error).__name__}"
    return f"http {response.status_code}"


def _failure_kind(demand: dict[str, Any]) -> str:
    """Why a demand failed, telling an empty pool from members the coordinator left out."""
    left_out = (demand.get("plan") or {}).get("nodes_left_out", [])
    if not left_out:
        return f"demand failed: {demand['failure']}"[:120]
    reasons = Counter(_reason_class(x["reason"]) for x in left_out)
    return f"demand failed, members left out: {reasons.most_common(1)[0][0]}"


def _reason_class(reason: str) -> str:
    """A left-out reason without its member-specific details (ids, codes' messages)."""
    return reason.split(":")[0].strip()[:60]


def _observed(demand: dict[str, Any], client_ms: float) -> dict[str, Any]:
    """What the automaker was shown at the end, for the invariant checker and the report."""
    plan = demand.get("plan") or {}
    keep = (
        "reservation_id",
        "member_id",
        "part_number",
        "source",
        "quantity",
        "unit_price_micros",
        "state",
    )
    return {
        "demand_id": demand["demand_id"],
        "status": demand["status"],
        "failure": demand["failure"],
        "created_at_ms": demand["created_at_ms"],
        "updated_at_ms": demand["updated_at_ms"],
        "client_ms": round(client_ms, 1),
        "plan": {
            "plan_id": plan.get("plan_id", ""),
            "revision": plan.get("revision", 0),
            "timings_ms": plan.get("timings_ms", {}),
            "nodes_left_out": [x["member_id"] for x in plan.get("nodes_left_out", [])],
            "left_out_reasons": [x["reason"] for x in plan.get("nodes_left_out", [])],
            "allocations": [{k: a[k] for k in keep} for a in plan.get("allocations", [])],
        },
    }
