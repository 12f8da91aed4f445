"""The leader lease itself, on a real PostgreSQL server and a real file lock: one holder at a
time, the next one gets it once the first lets go, and a holder whose lease session goes
silent (a half-open link, behind a proxy that drops every byte) gives up before a new holder
may act."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from loadtest.proxy import Mode, ProxyFleet
from node.adapters.engine import libpq_url
from pool.adapters.leader import FileLease, Lease, PostgresLease, leader_pid


def _in_background(lease: Lease) -> tuple[threading.Event, threading.Event]:
    """Start acquiring in a thread; returns (acquired, stop)."""
    acquired, stop = threading.Event(), threading.Event()

    def run() -> None:
        if lease.acquire(stop):
            acquired.set()

    threading.Thread(target=run, daemon=True).start()
    return acquired, stop


def _never_lost() -> Callable[[], None]:
    def fail() -> None:
        raise AssertionError("the lease was lost")

    return fail


def test_one_postgres_lease_holder_at_a_time(postgres_url: str) -> None:
    first = PostgresLease(postgres_url, _never_lost())
    assert first.acquire(threading.Event())
    second = PostgresLease(postgres_url, _never_lost())
    acquired, stop = _in_background(second)
    try:
        assert not acquired.wait(1.5)  # blocked while the first holds it
        released_at = time.monotonic()
        first.release()
        assert acquired.wait(10)
        # It waited out the grace before it counts as holding: the old holder had time to stop.
        assert time.monotonic() - released_at >= second.grace_s
    finally:
        stop.set()
        second.release()


def test_a_holder_whose_lease_session_goes_silent_gives_up_within_the_grace(
    postgres_url: str,
) -> None:
    fleet = ProxyFleet()
    try:
        address = fleet.add("postgres", "127.0.0.1:5432")
        proxied = postgres_url.replace("127.0.0.1:5432", address)
        lost = threading.Event()
        holder = PostgresLease(proxied, lost.set)
        assert holder.acquire(threading.Event())
        assert not lost.wait(0.6)  # checks pass through the proxy
        fleet.set_mode("postgres", Mode.DROP)  # the link goes silent; nothing is closed
        silent_at = time.monotonic()
        assert lost.wait(5)
        # A new holder (the server frees the lock whenever it notices the dead session) waits
        # grace_s before acting; the silent holder has given up before that.
        assert time.monotonic() - silent_at < holder.grace_s
    finally:
        fleet.close()


def test_a_lock_lost_within_the_grace_is_waited_for_again_not_held(postgres_url: str) -> None:
    # A server restart terminates a waiting session too, sometimes just after granting it the
    # lock: nothing acted on it yet, so the standby must wait again, not count as holder.
    lost = threading.Event()
    lease = PostgresLease(postgres_url, lost.set)
    acquired, stop = _in_background(lease)
    try:
        time.sleep(0.4)  # the lock is granted at once; the grace is running
        assert not acquired.is_set()
        with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
            ended = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'alliance-pool-leader:%' AND datname = "
                "current_database()"
            ).fetchall()
            assert ended == [(True,)]
            assert acquired.wait(10)  # on a new session, after a whole grace
            assert leader_pid(conn) == os.getpid()
        assert not lost.is_set()
    finally:
        stop.set()
        lease.release()


def test_one_file_lease_holder_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "pool.db.leader"
    first = FileLease(path)
    assert first.acquire(threading.Event())
    second = FileLease(path)
    acquired, stop = _in_background(second)
    try:
        assert not acquired.wait(0.5)
        first.release()
        assert acquired.wait(5)
    finally:
        stop.set()
        second.release()


@pytest.mark.parametrize("make", [
    lambda url, tmp: PostgresLease(url, _never_lost()),
    lambda url, tmp: FileLease(tmp / "pool.db.leader"),
])
def test_a_waiting_standby_stops_waiting_when_asked(
    make: Callable[[str, Path], Lease], postgres_url: str, tmp_path: Path
) -> None:
    holder, standby = make(postgres_url, tmp_path), make(postgres_url, tmp_path)
    assert holder.acquire(threading.Event())
    stop = threading.Event()
    stop.set()
    try:
        assert standby.acquire(stop) is False
    finally:
        holder.release()
