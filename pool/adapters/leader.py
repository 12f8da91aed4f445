"""One active coordinator per database; any other `pool serve` process waits as a hot standby.

On PostgreSQL the active coordinator holds a session advisory lock on a connection of its
own. The server lets go of it as soon as that session ends, which a SIGKILL does at once (the
kernel closes the socket), so a standby blocked on the same lock gets it within milliseconds,
already started and imported.

Two coordinators must never act at once. The holder checks its session every
`check_interval_s` and gives up (`on_lost`: `pool serve` exits at once, as in a crash) when a
check fails or none has succeeded for `expiry_s`; a new holder waits `grace_s` (longer than
`expiry_s`) before it acts, and waits again if it loses the lock meanwhile. So whatever ended
the old holder's session (a kill, a server restart, a broken link, a terminated backend), the
old holder has stopped before the new one starts.

On SQLite (one machine) an exclusive `flock` on a file beside the database does the same; the
kernel releases it when the process dies, and it cannot be lost while the process lives.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

import psycopg
import structlog

from node.adapters.engine import is_sqlite, libpq_url, sqlite_path

log = structlog.get_logger(__name__)

# pg_advisory_lock's key: a fixed number of our own, the same in every coordinator process.
LOCK_KEY = 0x5A1E71AD_C00D0001
APPLICATION_NAME = "alliance-pool-leader"
STANDBY_LINE = "coordinator standing by"  # printed by `pool serve` once opened, before waiting


class Lease(Protocol):
    def acquire(self, stop: threading.Event) -> bool:
        """Block until this process is the active coordinator; False if `stop` was set."""

    def release(self) -> None: ...


class PostgresLease:
    def __init__(
        self,
        database_url: str,
        on_lost: Callable[[], None],
        *,
        check_interval_s: float = 0.2,
        expiry_s: float = 1.0,
        grace_s: float = 1.25,
        retry_s: float = 0.5,
    ) -> None:
        assert grace_s > expiry_s + 0.1, "the old holder must stop before the new one acts"
        self._conninfo = libpq_url(database_url)
        self._on_lost = on_lost
        self._check_interval_s = check_interval_s
        self._expiry_s = expiry_s
        self.grace_s = grace_s
        self._retry_s = retry_s
        self._conn: psycopg.Connection | None = None
        self._last_ok = 0.0
        self._done = threading.Event()  # released or lost

    def acquire(self, stop: threading.Event) -> bool:
        while not stop.is_set():
            try:
                conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=5,
                    application_name=f"{APPLICATION_NAME}:{os.getpid()}",
                    # A half-open link fails a call within seconds instead of hanging on it.
                    keepalives=1,
                    keepalives_idle=1,
                    keepalives_interval=1,
                    keepalives_count=3,
                    tcp_user_timeout=3000,
                )
            except psycopg.OperationalError as exc:
                log.warning("leader_lease_connect_failed", error=str(exc))
                stop.wait(self._retry_s)
                continue
            try:
                if self._wait_for_lock(conn, stop) and self._outlasts_grace(conn):
                    self._hold(conn)
                    return True
            except psycopg.Error as exc:
                # Lost while waiting, or within the grace (a server restart terminates the
                # waiting session too, sometimes just after granting it the lock): nothing has
                # acted on it yet, so wait again.
                log.warning("leader_lease_wait_failed", error=str(exc))
            conn.close()
            stop.wait(self._retry_s)
        return False

    def _wait_for_lock(self, conn: psycopg.Connection, stop: threading.Event) -> bool:
        # Blocking rounds of a second, so a stop request is noticed.
        conn.execute("SET lock_timeout = '1s'")
        while not stop.is_set():
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
                return True
            except psycopg.errors.LockNotAvailable:
                continue
        return False

    def _outlasts_grace(self, conn: psycopg.Connection) -> bool:
        """Hold the lock through the grace (a holder that lost its session stops within
        expiry_s), checking the session as a holder would; raises if it ends meanwhile."""
        ends = time.monotonic() + self.grace_s
        while (left := ends - time.monotonic()) > 0:
            time.sleep(min(self._check_interval_s, left))
            conn.execute("SELECT 1")
        return True

    def _hold(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._last_ok = time.monotonic()
        threading.Thread(target=self._check, name="leader-lease", daemon=True).start()
        threading.Thread(target=self._expire, name="leader-expiry", daemon=True).start()
        log.info("leader_lease_acquired", pid=os.getpid(), grace_s=self.grace_s)

    def _check(self) -> None:
        assert self._conn is not None
        while not self._done.wait(self._check_interval_s):
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error as exc:
                self._lost(f"lease session ended: {exc}")
                return
            self._last_ok = time.monotonic()

    def _expire(self) -> None:
        # Apart from _check: a check that hangs (a half-open link) must not hold the lease.
        while not self._done.wait(0.05):
            silent_s = time.monotonic() - self._last_ok
            if silent_s > self._expiry_s:
                self._lost(f"no answer on the lease session for {silent_s:.2f} s")
                return

    def _lost(self, why: str) -> None:
        if self._done.is_set():
            return
        self._done.set()
        log.error("leader_lease_lost", error=why)
        self._on_lost()

    def release(self) -> None:
        self._done.set()
        if self._conn is not None:
            self._conn.close()  # ends the session, which releases the lock
            self._conn = None


class FileLease:
    """An exclusive flock on `<database>.leader`."""

    def __init__(self, path: Path, poll_s: float = 0.05) -> None:
        self._path = path
        self._poll_s = poll_s
        self._file: IO[str] | None = None

    def acquire(self, stop: threading.Event) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self._path, "a")  # noqa: SIM115 - held for the life of the process
        while not stop.is_set():
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                stop.wait(self._poll_s)
                continue
            self._file = file
            log.info("leader_lease_acquired", pid=os.getpid())
            return True
        file.close()
        return False

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class NoLease:
    """An in-memory SQLite database: nobody else can share it."""

    def acquire(self, stop: threading.Event) -> bool:
        return not stop.is_set()

    def release(self) -> None:
        pass


def lease_for(database_url: str, on_lost: Callable[[], None]) -> Lease:
    if not is_sqlite(database_url):
        return PostgresLease(database_url, on_lost)
    path = sqlite_path(database_url)
    return NoLease() if path is None else FileLease(path.with_name(path.name + ".leader"))


def leader_pid(conn: psycopg.Connection) -> int | None:
    """The pid of the process holding the lease on this connection's database (for tests and
    the load test's fault injector), from the lock holder's application name."""
    row = conn.execute(
        """
        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
            SELECT oid FROM pg_database WHERE datname = current_database())
          AND a.application_name LIKE %s
        """,
        (APPLICATION_NAME + ":%",),
    ).fetchone()
    return int(row[0].rsplit(":", 1)[1]) if row else None
