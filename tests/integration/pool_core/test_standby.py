"""A hot standby coordinator: a second `alliance pool serve` on the same database waits, opened
and ready, and takes over the moment the active one is killed; an active coordinator that
loses its lease stops at once."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from node.adapters.engine import libpq_url
from pool.adapters.leader import leader_pid
from pool.cli import LEASE_LOST_EXIT
from pool.launcher import CoordinatorProcess, free_port
from pool.settings import PoolSettings
from tests.integration.pool_core.conftest import Alliance
from tests.integration.pool_core.test_coordinator_crash import (
    FINAL,
    _get,
    _pooled,
    _start,
    _wait,
    post_demand,
)
from tests.integration.pool_core.test_faults import _three_nodes


def _confirmed_units(process: CoordinatorProcess, key: str, demand_id: str) -> int:
    _wait(lambda: _get(process, key, demand_id)["status"] in FINAL, 60, "a final status")
    demand = _get(process, key, demand_id)
    assert demand["status"] == "confirmed", demand.get("failure")
    return sum(
        a["quantity"] for a in demand["plan"]["allocations"] if a["state"] == "confirmed"
    )


def _log_text(process: CoordinatorProcess) -> str:
    return process.log_path.read_text(errors="replace")


def _pair(
    settings: PoolSettings, alliance: Alliance, tmp_path: Path
) -> tuple[CoordinatorProcess, CoordinatorProcess, str]:
    settings = settings.model_copy(
        update={"http_port": free_port(), "api_key_secret": "standby-test"}
    )
    active, key = _start(settings, tmp_path, _three_nodes(alliance))
    standby = CoordinatorProcess(settings, tmp_path / "standby.log", tmp_path)
    standby.start(standby=True)
    return active, standby, key


def test_a_standby_takes_over_when_the_active_coordinator_is_killed(
    alliance: Alliance, settings: PoolSettings, tmp_path: Path
) -> None:
    active, standby, key = _pair(settings, alliance, tmp_path)
    try:
        _wait(lambda: _pooled(active, key) == 180, 30, "the pool view of P-100")
        first = post_demand(active, key, quantity=50, idempotency_key="before-kill")
        time.sleep(1.0)
        # Standing by: opened, but neither running plans nor watching members.
        assert standby.alive()
        assert "runtime_started" not in _log_text(standby)
        assert "runtime_started" in _log_text(active)

        second = post_demand(active, key, quantity=60, idempotency_key="at-kill")
        active.kill()  # the second demand may be anywhere in its plan
        killed_at = time.monotonic()
        _wait(standby.healthy, 30, "the standby to serve")
        took_over_s = time.monotonic() - killed_at
        assert "runtime_started" in _log_text(standby)
        assert took_over_s < 10  # not a restart: no new process had to start

        third = post_demand(standby, key, quantity=40, idempotency_key="after-kill")
        assert _confirmed_units(standby, key, first) == 50
        assert _confirmed_units(standby, key, second) == 60  # finished once, not twice
        assert _confirmed_units(standby, key, third) == 40
    finally:
        active.kill()
        standby.stop()


# The lease is a PostgreSQL session lock (on SQLite a file lock, which cannot be lost).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_when_every_session_of_the_database_ends_the_active_stops_and_the_standby_serves(
    alliance: Alliance, settings: PoolSettings, tmp_path: Path
) -> None:
    # What a database restart does to both: the active loses its lease, the standby its wait
    # and the connections it opened while standing by.
    active, standby, key = _pair(settings, alliance, tmp_path)
    try:
        with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
            assert leader_pid(conn) == active.pid
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert active.process is not None
            assert active.process.wait(timeout=10) == LEASE_LOST_EXIT
            _wait(standby.healthy, 30, "the standby to serve")
            assert leader_pid(conn) == standby.pid
        _wait(lambda: _pooled(standby, key) == 180, 30, "the pool view of P-100")
        last = post_demand(standby, key, quantity=70, idempotency_key="after-loss")
        assert _confirmed_units(standby, key, last) == 70
    finally:
        active.kill()
        standby.stop()
