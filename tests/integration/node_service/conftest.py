"""A freshly initialised node per test, on SQLite and on PostgreSQL, with a manual clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

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
from node.service.factory import init_node, open_node

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


@pytest.fixture
def node(database_url: str) -> Iterator[Node]:
    made = make_node(database_url)
    yield made
    made.service.close()  # type: ignore[attr-defined]


@pytest.fixture
def pooled(node: Node) -> Node:
    """P-100 with 100 on hand and safety stock 100: pool share 30."""
    node.receive(quantity=100)
    node.service.set_safety_stock("P-100", 100)
    return node
