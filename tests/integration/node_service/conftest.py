"""A freshly initialised node per test, on SQLite and on PostgreSQL, with a manual clock.

Migrating a database takes longer than most tests, so each backend is migrated once per
session: SQLite tests get a copy of a migrated file, PostgreSQL tests a truncated database.
Tests about creating and migrating databases use the shared `database_url` fixture instead.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from node.domain.clock import ManualClock
from node.service.api import (
    LocationIn,
    NodeService,
    PartIn,
    QualityStatus,
    ReceiptIn,
    ReserveCommand,
    ReserveLineIn,
    SupplySource,
)
from node.service.factory import init_node, open_node, upgrade_schema
from tests.conftest import PG_ADMIN_URL, require_postgres

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass
class Node:
    service: NodeService
    clock: ManualClock
    url: str

    def receive(
        self,
        part: str = "P-100",
        quantity: int = 100,
        lot: str = "L1",
        *,
        location: str = "A-01",
        unit_cost_micros: int = 2_000_000,
        expiry: date | None = None,
        quality: QualityStatus = QualityStatus.RELEASED,
        movement_id: str | None = None,
        unit: str = "C62",
    ):  # type: ignore[no-untyped-def]
        return self.service.receive_purchase(
            ReceiptIn(
                movement_id=movement_id or f"rcv-{uuid.uuid4().hex[:12]}",
                purchase_order_number="PO-1",
                part_number=part,
                quantity=quantity,
                unit_of_measure=unit,
                location_id=location,
                lot_number=lot,
                unit_cost_micros=unit_cost_micros,
                currency="EUR",
                actor="clerk",
                expiry_date=expiry,
                quality_status=quality,
            )
        )

    def reserve(
        self,
        quantity: int,
        part: str = "P-100",
        *,
        ttl_s: int = 60,
        reservation_id: str | None = None,
        source: SupplySource = SupplySource.STOCK,
        due_at_ms: int | None = None,
    ):  # type: ignore[no-untyped-def]
        return self.service.reserve(
            command(
                quantity,
                part,
                ttl_s=ttl_s,
                reservation_id=reservation_id,
                source=source,
                due_at_ms=due_at_ms,
            )
        )


def command(
    quantity: int,
    part: str = "P-100",
    *,
    ttl_s: int = 60,
    reservation_id: str | None = None,
    source: SupplySource = SupplySource.STOCK,
    due_at_ms: int | None = None,
    unit: str = "C62",
) -> ReserveCommand:
    return ReserveCommand(
        reservation_id=reservation_id or str(uuid.uuid4()),
        plan_id="plan-1",
        demand_id="demand-1",
        lines=(ReserveLineIn("1", part, quantity, unit, source, due_at_ms, "DEHAM"),),
        ttl_s=ttl_s,
    )


def make_node(url: str, clock: ManualClock | None = None) -> Node:
    clock = clock or ManualClock(START_MS)
    init_node(url, member_id="supplier-a", member_name="Supplier A", clock=clock)
    service = open_node(url, clock=clock, dictionary_version="1.0.0", pool_size=8)
    service.upsert_location(LocationIn("S1", "W1", "A-01"))
    service.upsert_location(LocationIn("S1", "W1", "A-02"))
    service.upsert_part(PartIn("P-100", "Brake caliper", "C62", list_price_micros=50_000_000))
    return Node(service, clock, url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("node-template") / "node.db"
    upgrade_schema(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_node_database() -> Iterator[str]:
    require_postgres()
    name = f"n_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    try:
        upgrade_schema(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _emptied(url: str) -> str:
    from node.adapters.orm import Base

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("INSERT INTO outbox_counter (id, last_sequence) VALUES (1, 0)"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def node_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated node database (not initialised), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "node.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    return _emptied(request.getfixturevalue("_postgres_node_database"))


@pytest.fixture
def node(node_database_url: str) -> Iterator[Node]:
    made = make_node(node_database_url)
    yield made
    made.service.close()  # type: ignore[attr-defined]


@pytest.fixture
def pooled(node: Node) -> Node:
    """P-100 with 100 on hand and safety stock 100: pool share 30."""
    node.receive(quantity=100)
    node.service.set_safety_stock("P-100", 100)
    return node
