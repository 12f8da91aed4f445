"""Engines for the node's two databases: SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database; None for PostgreSQL or an in-memory database."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def libpq_url(database_url: str) -> str:
    """A PostgreSQL URL as SQLAlchemy takes it (postgresql+psycopg://...), as libpq does."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False
    )


def node_engine(database_url: str, *, pool_size: int = 64, max_overflow: int = 8) -> Engine:
    """An engine for the node's request threads (a served node keeps `db_pool_size` open).

    SQLite: WAL (readers never block the writer), a busy timeout, and BEGIN IMMEDIATE on every
    transaction so that two writers never both read then both write: the database lock is the
    pool lock. PostgreSQL: READ COMMITTED plus explicit row locks (see adapters/repository.py).
    """
    if is_sqlite(database_url):
        engine = create_engine(
            database_url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _sqlite_immediate_transactions(engine)
        return engine
    return create_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        isolation_level="READ COMMITTED",
    )


def _sqlite_immediate_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
