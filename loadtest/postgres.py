"""The load test's PostgreSQL: fresh `lt_…` databases per run, the cluster restart fault,
and how many connections the run holds (the server's max_connections is shared)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ADMIN_URL = os.environ.get(
    "ALLIANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PREFIX = "lt_"
_NAME = re.compile(r"lt_[a-z0-9_]{1,60}")


def database_url(name: str) -> str:
    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _checked(name: str) -> str:
    # Names go into DDL unquoted-safe only: this run creates and drops nothing but its own.
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a load-test database name: {name!r}")
    return name


def _admin() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def create_databases(names: Iterable[str]) -> dict[str, str]:
    """Create each database afresh (dropping a leftover of the same name); name -> URL."""
    engine = _admin()
    try:
        with engine.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return {name: database_url(name) for name in names}


def drop_databases(names: Iterable[str]) -> None:
    engine = _admin()
    try:
        with engine.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_checked(name)}" WITH (FORCE)'))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Connections:
    ours: int  # held on the run's databases
    coordinator: int  # of those, on the coordinator's (its name ends in _pool)
    total: int
    limit: int  # max_connections


def connections(prefix: str) -> Connections:
    engine = _admin()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("select datname, count(*) from pg_stat_activity group by datname")
            ).all()
            limit = int(conn.execute(sa.text("show max_connections")).scalar_one())
    finally:
        engine.dispose()
    ours = [(name, n) for name, n in rows if name and name.startswith(prefix)]
    coordinator = sum(n for name, n in ours if name.endswith("_pool"))
    return Connections(sum(n for _, n in ours), coordinator, sum(n for _, n in rows), limit)


def cluster_version(config_dir: Path = Path("/etc/postgresql")) -> str:
    """The Debian cluster's major version, found as .ci/run finds it."""
    versions = sorted((p.name for p in config_dir.iterdir() if p.is_dir()), key=_version_key)
    if not versions:
        raise RuntimeError(f"no PostgreSQL cluster under {config_dir}")
    return versions[-1]


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name)) or (0,)


def restart_cluster(timeout_s: float = 60) -> float:
    """`pg_ctlcluster VERSION main restart`, then wait until it answers; returns seconds taken."""
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), "main", "restart"],
        check=True,
        capture_output=True,
        timeout=timeout_s,
    )
    while not is_ready():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError("PostgreSQL did not come back after the restart")
        time.sleep(0.1)
    return time.monotonic() - started


def is_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False, timeout=10
        ).returncode
        == 0
    )
