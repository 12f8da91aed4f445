"""The coordinator as its own process, killed with SIGKILL mid-plan and started again.

A node's database is held locked so that the coordinator's call to it hangs: the kill then
lands while a Reserve (or a Confirm) is on the wire. The lock is let go after the kill, so the
node books that call with nobody left to hear the answer, which is the worst case a restart
has to sort out: the plan must end confirmed with every unit held exactly once, and no hold
left pending on any node.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pool.launcher import CoordinatorProcess, free_port
from pool.service.api import TenantIn
from pool.service.factory import open_coordinator
from pool.settings import PoolSettings
from tests.integration.pool_core.conftest import HOUR_MS, OPERATOR, Alliance, Node, register
from tests.integration.pool_core.test_faults import _three_nodes

FINAL = ("confirmed", "failed")


def _start(
    settings: PoolSettings, tmp_path: Path, nodes: list[Node]
) -> tuple[CoordinatorProcess, str]:
    """Members and an automaker registered, then `alliance pool serve` started."""
    pool = open_coordinator(settings)
    try:
        for node in nodes:
            register(pool, node)
        api_key = pool.register_tenant(OPERATOR, TenantIn("OEM1", "Automaker OEM1")).api_key
    finally:
        pool.close()
    process = CoordinatorProcess(settings, tmp_path / "coordinator.log", tmp_path)
    process.start()
    return process, api_key


def _get(process: CoordinatorProcess, key: str, demand_id: str) -> dict:
    answer = httpx.get(
        f"{process.base_url}/v1/demands/{demand_id}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def post_demand(
    process: CoordinatorProcess, key: str, *, quantity: int, idempotency_key: str
) -> str:
    """POST one line of P-100, due in three days; returns the new demand's id."""
    line = {
        "line_id": "L1",
        "part_number": "P-100",
        "quantity": quantity,
        "unit_of_measure": "C62",
        "due_at_ms": int(time.time() * 1000) + 72 * HOUR_MS,
        "destination": "DEHAM",
    }
    posted = httpx.post(
        f"{process.base_url}/v1/demands",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
        json={"lines": [line]},
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    return posted.json()["demand_id"]


def _pooled(process: CoordinatorProcess, key: str) -> int:
    answer = httpx.get(
        f"{process.base_url}/v1/pool",
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    if answer.status_code != 200:
        return 0
    return sum(p["free_quantity"] for p in answer.json()["data"] if p["part_number"] == "P-100")


def _wait(predicate: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll_s)


@pytest.mark.parametrize("crash_in", ["reserving", "confirming"])
def test_a_coordinator_killed_mid_plan_finishes_it_after_a_restart(
    alliance: Alliance, settings: PoolSettings, tmp_path: Path, crash_in: str
) -> None:
    nodes = _three_nodes(alliance)  # 60 pooled on each; the demand needs all three
    s1, s2, s3 = nodes
    settings = settings.model_copy(
        update={"http_port": free_port(), "api_key_secret": "crash-test", "rpc_deadline_ms": 8000}
    )
    process, key = _start(settings, tmp_path, nodes)
    blocker: sqlite3.Connection | None = None
    try:
        _wait(lambda: _pooled(process, key) == 180, 30, "the pool view of P-100")
        if crash_in == "reserving":
            blocker = _lock(s2)  # S02's Reserve will wait on this lock
        demand_id = post_demand(process, key, quantity=150, idempotency_key="crash-1")
        if crash_in == "reserving":
            # S01 and S03 answered; S02's Reserve is on the wire.
            _wait(
                lambda: len(s1.reservations()) == 1 and len(s3.reservations()) == 1,
                30,
                "the holds on S01 and S03",
            )
        else:
            # Lock S02 as soon as its hold exists: its Confirm comes only after every Reserve
            # answered, the plan was stored and each hold was asked for.
            _wait(lambda: bool(s2.reservations()), 30, "the hold on S02", poll_s=0.002)
            blocker = _lock(s2)  # S02's Confirm will wait on this lock
            assert set(s2.reservations().values()) == {"pending"}
            _wait(
                lambda: (
                    "confirmed" in s1.reservations().values()
                    and "confirmed" in s3.reservations().values()
                ),
                30,
                "S01 and S03 to confirm",
            )
        time.sleep(0.3)
        assert _get(process, key, demand_id)["status"] == crash_in  # the call still hangs
        process.kill()
        assert blocker is not None
        blocker.execute("ROLLBACK")  # S02 now books the call whose answer nobody hears
        blocker.close()
        blocker = None

        process.start()
        _wait(lambda: _get(process, key, demand_id)["status"] in FINAL, 60, "a final status")
        demand = _get(process, key, demand_id)
        assert demand["status"] == "confirmed", demand.get("failure")
        confirmed: dict[str, int] = {}
        for allocation in demand["plan"]["allocations"]:
            if allocation["state"] == "confirmed":
                member = allocation["member_id"]
                confirmed[member] = confirmed.get(member, 0) + allocation["quantity"]
        assert sum(confirmed.values()) == 150  # every unit once, none twice
        _wait(
            lambda: all("pending" not in n.reservations().values() for n in nodes),
            30,
            "no pending hold on any node",
        )
        for node in nodes:
            held = {
                a["reservation_id"]
                for a in demand["plan"]["allocations"]
                if a["member_id"] == node.member_id and a["state"] == "confirmed"
            }
            states = node.reservations()
            assert {rid for rid, state in states.items() if state == "confirmed"} == held
    finally:
        if blocker is not None:
            blocker.execute("ROLLBACK")
            blocker.close()
        process.stop()


def _lock(node: Node) -> sqlite3.Connection:
    blocker = sqlite3.connect(node.database_url.removeprefix("sqlite:///"), timeout=5)
    blocker.isolation_level = None
    blocker.execute("BEGIN IMMEDIATE")
    return blocker
