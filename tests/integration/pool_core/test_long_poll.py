"""Waiting for a demand's final status (the long poll behind GET /v1/demands/{id}?wait_ms=)."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from pool.launcher import CoordinatorProcess, free_port
from pool.service.api import DemandIn, DemandLineIn, DemandStatus, DemandView
from pool.settings import PoolSettings
from tests.integration.pool_core.conftest import (
    HOUR_MS,
    Alliance,
    register,
    tenant,
    wait_for_pool,
    wait_until,
)
from tests.integration.pool_core.test_coordinator_crash import (
    _get,
    _lock,
    _pooled,
    _start,
    _wait,
    post_demand,
)
from tests.integration.pool_core.test_faults import END, _three_nodes


def _demand(now_ms: int) -> DemandIn:
    return DemandIn(
        lines=(DemandLineIn("L1", "P-100", 10, "C62", now_ms + 72 * HOUR_MS, "DEHAM"),),
        reference="PO-LP",
    )


def _idle_coordinator(alliance: Alliance, open_pool):
    """A coordinator whose workers have not started, on a database where P-100 is pooled (a
    first coordinator saw the pool, then stopped): its demands stay received until `start`."""
    s1 = alliance.add_node("S01")
    s1.add_part("P-100", on_hand=1000, safety_stock=200, price=20_000_000)
    first = open_pool()
    register(first, s1)
    oem = tenant(first)
    first.start()
    wait_for_pool(first, "P-100", 60)
    first.stop()
    return open_pool(), oem


def _wait_in_thread(pool, oem, demand_id: str, out: dict[str, DemandView]) -> threading.Thread:
    def wait() -> None:
        out["view"] = pool.wait_for_demand(oem, demand_id, END, 120)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


def test_a_waiting_reader_gets_the_final_status_once_it_is_decided(
    alliance: Alliance, open_pool
) -> None:
    pool, oem = _idle_coordinator(alliance, open_pool)
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms()), "lp-1")
    timed_out = pool.wait_for_demand(oem, view.demand_id, END, 0.2)
    assert timed_out.status is DemandStatus.RECEIVED  # a timeout answers with the status as is

    out: dict[str, DemandView] = {}
    waiter = _wait_in_thread(pool, oem, view.demand_id, out)
    wait_until(lambda: pool.waiting_readers == 1, what="the reader waits")
    assert "view" not in out
    pool.start()
    waiter.join(60)

    assert not waiter.is_alive() and pool.waiting_readers == 0
    final = pool.get_demand(oem, view.demand_id)
    assert final.status in END
    assert out["view"].status is final.status and out["view"].plan == final.plan


def test_past_the_long_poll_limit_a_reader_is_answered_at_once(
    alliance: Alliance, open_pool, settings: PoolSettings
) -> None:
    settings.max_long_polls = 1
    pool, oem = _idle_coordinator(alliance, open_pool)
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms()), "lp-2")
    out: dict[str, DemandView] = {}
    first = _wait_in_thread(pool, oem, view.demand_id, out)
    wait_until(lambda: pool.waiting_readers == 1, what="the first reader waits")

    # The second reader asks to wait two minutes, but the one allowed long poll is taken.
    second = pool.wait_for_demand(oem, view.demand_id, END, 120)

    assert second.status is DemandStatus.RECEIVED
    assert first.is_alive() and pool.waiting_readers == 1
    pool.start()
    first.join(60)
    assert not first.is_alive() and out["view"].status in END


def test_a_stopping_coordinator_ends_its_waiting_readers(alliance: Alliance, open_pool) -> None:
    pool, oem = _idle_coordinator(alliance, open_pool)
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms()), "lp-3")
    out: dict[str, DemandView] = {}
    waiter = _wait_in_thread(pool, oem, view.demand_id, out)
    wait_until(lambda: pool.waiting_readers == 1, what="the reader waits")

    pool.stop()
    waiter.join(10)  # it asked for two minutes

    assert not waiter.is_alive() and out["view"].status is DemandStatus.RECEIVED
    assert pool.wait_for_demand(oem, view.demand_id, END, 120).status is DemandStatus.RECEIVED


def test_a_coordinator_started_again_lets_readers_wait_again(alliance: Alliance, open_pool) -> None:
    pool, oem = _idle_coordinator(alliance, open_pool)
    view, _ = pool.submit_demand(oem, _demand(pool.ctx.now_ms()), "lp-4")
    pool.stop()  # ends long polls, as at shutdown
    pool.start()

    # The demand is planned from now on; the reader waits for the outcome, not for nothing.
    assert pool.wait_for_demand(oem, view.demand_id, END, 60).status in END


def test_sigterm_answers_a_long_poll_instead_of_waiting_for_it(
    alliance: Alliance, settings: PoolSettings, tmp_path: Path
) -> None:
    """`pool serve` stops at once: uvicorn would wait for the long poll to end on its own."""
    nodes = _three_nodes(alliance)
    settings = settings.model_copy(
        update={"http_port": free_port(), "api_key_secret": "lp-test", "rpc_deadline_ms": 60_000}
    )
    process, key = _start(settings, tmp_path, nodes)
    blocker = None
    try:
        _wait(lambda: _pooled(process, key) == 180, 30, "the pool view of P-100")
        blocker = _lock(nodes[1])  # S02's Reserve waits on this lock: the demand cannot end
        demand_id = post_demand(process, key, quantity=150, idempotency_key="lp-150")
        _wait(lambda: _get(process, key, demand_id)["status"] == "reserving", 30, "reserving")
        answers: list[httpx.Response] = []
        poll = threading.Thread(
            target=lambda: answers.append(
                httpx.get(
                    f"{process.base_url}/v1/demands/{demand_id}",
                    params={"wait_ms": 30_000},
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=40,
                )
            ),
            daemon=True,
        )
        poll.start()
        _wait(lambda: _long_polls(process) == 1, 30, "the long poll in the server")

        process.stop(timeout_s=10)  # SIGTERM; kills if it is not gone by then
        poll.join(10)

        assert answers and answers[0].status_code == 200, answers
        assert answers[0].json()["status"] == "reserving"
    finally:
        if blocker is not None:
            blocker.execute("ROLLBACK")
            blocker.close()
        process.stop()


def _long_polls(process: CoordinatorProcess) -> float:
    metrics = httpx.get(f"{process.base_url}/metrics", timeout=5).text
    (line,) = [x for x in metrics.splitlines() if x.startswith("alliance_pool_long_polls ")]
    return float(line.split()[1])
