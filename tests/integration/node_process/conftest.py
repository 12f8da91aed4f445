"""A node started as a separate process, driven only over gRPC."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc, node_pb2_grpc
from alliance.v1 import types_pb2 as types
from google.protobuf.timestamp_pb2 import Timestamp

from node.launcher import NodeProcess, run_cli, start_node


@dataclass
class NodeClient:
    process: NodeProcess
    node: node_pb2_grpc.NodeServiceStub
    admin: inventory_pb2_grpc.InventoryServiceStub
    channels: tuple[grpc.Channel, grpc.Channel]

    def add_part(
        self, part: str, *, on_hand: int, safety_stock: int, lot: str = "L1", expiry: str = ""
    ) -> None:
        """A released, lot-tracked part with stock in one lot and a configured safety stock."""
        self.admin.UpsertPart(
            inv.UpsertPartRequest(
                part_number=part,
                description=f"part {part}",
                unit_of_measure="C62",
                lot_tracked=True,
            )
        )
        self.admin.UpsertLocation(
            inv.UpsertLocationRequest(site_id="S", warehouse_id="W", location_id="A-01")
        )
        if on_hand:
            self.receive(part, on_hand, lot=lot, expiry=expiry)
        self.admin.SetSafetyStock(
            inv.SetSafetyStockRequest(part_number=part, quantity=safety_stock)
        )
        self.admin.SetCapacity(
            inv.SetCapacityRequest(
                part_number=part,
                capacity_per_day=100,
                lead_time_days=2,
                unit_price_micros=12_500_000,
                currency="EUR",
            )
        )

    def receive(self, part: str, quantity: int, *, lot: str = "L1", expiry: str = "") -> None:
        self.admin.ReceivePurchase(
            inv.ReceivePurchaseRequest(
                movement_id=str(uuid.uuid4()),
                purchase_order_number="PO-1",
                part_number=part,
                quantity=quantity,
                unit_of_measure="C62",
                location_id="A-01",
                lot_number=lot,
                production_date="2026-11-01",
                expiry_date=expiry,
                unit_cost_micros=10_000_000,
                currency="EUR",
                actor="test",
                quality_status=types.QUALITY_STATUS_RELEASED,
            )
        )


def timestamp_in(hours: float) -> Timestamp:
    import time

    ts = Timestamp()
    ts.FromMilliseconds(int((time.time() + hours * 3600) * 1000))
    return ts


@pytest.fixture
def node_client(database_url: str, tmp_path: Path) -> Iterator[NodeClient]:
    run_cli(
        "node",
        "init",
        "--db",
        database_url,
        "--member-id",
        "S01",
        "--name",
        "Test Supplier",
        "--key",
        str(tmp_path / "audit.key"),
    )
    process = start_node(database_url, extra_args=("--key", str(tmp_path / "audit.key")))
    channel, admin_channel = process.channel(), process.admin_channel()
    try:
        yield NodeClient(
            process,
            node_pb2_grpc.NodeServiceStub(channel),
            inventory_pb2_grpc.InventoryServiceStub(admin_channel),
            (channel, admin_channel),
        )
    finally:
        channel.close()
        admin_channel.close()
        process.stop()
