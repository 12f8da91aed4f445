"""Real supplier nodes (in-process gRPC over mTLS, SQLite) and a coordinator on SQLite and
PostgreSQL, for the coordinator's service-level tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc

from audit.keys import generate_keypair
from dictionary.loader import load as load_dictionary
from node.grpc.server import NodeServer, build_server, insecure_ports, mtls_ports
from node.service import api as node_api
from node.service.factory import init_node, open_node
from pool import pki
from pool.service.api import MemberIn, Principal, Role, TenantIn
from pool.service.factory import PoolCoordinator, open_coordinator
from pool.settings import PoolSettings

OPERATOR = Principal(Role.OPERATOR, "ops")
HOUR_MS = 3_600_000


@dataclass
class Node:
    member_id: str
    database_url: str
    key_path: Path
    public_key: bytes
    service: node_api.NodeService | None = None
    server: NodeServer | None = None
    admin: inventory_pb2_grpc.InventoryServiceStub | None = None
    _admin_channel: grpc.Channel | None = None
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add_part(
        self,
        part: str,
        *,
        on_hand: int,
        safety_stock: int,
        price: int = 20_000_000,
        capacity_per_day: int = 0,
    ) -> None:
        assert self.admin is not None
        self.admin.UpsertPart(
            inv.UpsertPartRequest(
                part_number=part,
                description=f"part {part}",
                unit_of_measure="C62",
                lot_tracked=True,
                list_price_micros=price,
                currency="EUR",
            )
        )
        self.admin.UpsertLocation(
            inv.UpsertLocationRequest(
                site_id="CN-NGB", warehouse_id="NGB-FG", location_id="NGB-FG-A-01"
            )
        )
        if on_hand:
            self.admin.ReceivePurchase(
                inv.ReceivePurchaseRequest(
                    movement_id=str(uuid.uuid4()),
                    purchase_order_number="PO-1",
                    part_number=part,
                    quantity=on_hand,
                    unit_of_measure="C62",
                    location_id="NGB-FG-A-01",
                    lot_number="L1",
                    production_date="2025-12-01",
                    unit_cost_micros=10_000_000,
                    currency="EUR",
                    actor="test",
                    quality_status=1,
                )
            )
        self.admin.SetSafetyStock(
            inv.SetSafetyStockRequest(part_number=part, quantity=safety_stock)
        )
        if capacity_per_day:
            self.admin.SetCapacity(
                inv.SetCapacityRequest(
                    part_number=part,
                    capacity_per_day=capacity_per_day,
                    lead_time_days=2,
                    unit_price_micros=price,
                    currency="EUR",
                )
            )

    def reservations(self) -> dict[str, str]:
        """reservation id -> state, straight from the node's database."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("select reservation_id, state from reservation"))
                return {r[0]: r[1] for r in rows}
        finally:
            engine.dispose()


@dataclass
class Alliance:
    directory: Path
    pki_dir: Path
    nodes: dict[str, Node] = field(default_factory=dict)

    def add_node(self, member_id: str) -> Node:
        key_path = self.directory / f"{member_id}.key"
        public_key = generate_keypair(key_path)
        url = f"sqlite:///{self.directory / f'{member_id}.db'}"
        init_node(
            url,
            member_id=member_id,
            member_name=f"Supplier {member_id}",
            audit_public_key=public_key,
            audit_log_origin=f"alliance.v1/node/{member_id}",
        )
        pki.write(
            self.pki_dir, member_id, pki.issue(pki.read(self.pki_dir, "ca"), member_id, "node")
        )
        node = Node(member_id, url, key_path, public_key)
        self.nodes[member_id] = node
        self.start(node)
        return node

    def start(self, node: Node) -> None:
        service = open_node(
            node.database_url,
            dictionary_version=load_dictionary().version,
            audit_key_path=node.key_path,
        )
        address = f"127.0.0.1:{node.port}" if node.port else "127.0.0.1:0"
        server = build_server(
            service,
            alliance_address=address,
            admin_address="127.0.0.1:0",
            add_port=mtls_ports(self.pki_dir, node.member_id),
            admin_add_port=insecure_ports,
            expiry_interval_s=0.1,
        )
        server.start()
        node.port = int(server.alliance_address.rsplit(":", 1)[1])
        node.service, node.server = service, server
        node._admin_channel = grpc.insecure_channel(server.admin_address)
        node.admin = inventory_pb2_grpc.InventoryServiceStub(node._admin_channel)

    def stop(self, node: Node) -> None:
        if node.server is not None:
            node._admin_channel.close()  # type: ignore[union-attr]
            node.server.stop(grace_s=0)
            node.service.close()  # type: ignore[union-attr]
            node.server = node.service = None

    def close(self) -> None:
        for node in self.nodes.values():
            self.stop(node)


@pytest.fixture
def alliance(tmp_path: Path) -> Iterator[Alliance]:
    pki_dir = tmp_path / "pki"
    pki.write(pki_dir, "ca", pki.create_ca("Test Alliance"))
    pki.write(
        pki_dir, "coordinator", pki.issue(pki.read(pki_dir, "ca"), "coordinator", "coordinator")
    )
    a = Alliance(tmp_path, pki_dir)
    yield a
    a.close()


@pytest.fixture
def settings(database_url: str, alliance: Alliance, tmp_path: Path) -> PoolSettings:
    return PoolSettings(
        database_url=database_url
        if not database_url.startswith("sqlite")
        else f"sqlite:///{tmp_path / 'pool.db'}",
        tls_dir=alliance.pki_dir,
        audit_key_path=tmp_path / "pool_audit.key",
        staleness_s=30,
        heartbeat_interval_s=0.5,
        quote_deadline_ms=3000,
        solver_time_limit_ms=2000,
        webhook_retry_base_s=0.05,
        webhook_poll_interval_s=0.1,
        planning_workers=2,
    )


@pytest.fixture
def open_pool(settings: PoolSettings) -> Iterator[Callable[[], PoolCoordinator]]:
    opened: list[PoolCoordinator] = []

    def make() -> PoolCoordinator:
        coordinator = open_coordinator(settings)
        opened.append(coordinator)
        return coordinator

    yield make
    for coordinator in opened:
        coordinator.close()


def register(coordinator: PoolCoordinator, node: Node) -> None:
    coordinator.register_member(
        OPERATOR,
        MemberIn(node.member_id, f"Supplier {node.member_id}", node.endpoint, node.public_key),
    )


def wait_until(predicate: Callable[[], bool], timeout_s: float = 10, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def wait_for_pool(coordinator: PoolCoordinator, part: str, free: int) -> None:
    def ready() -> bool:
        pools = [p for p in coordinator.pool_view(OPERATOR, [part])]
        return bool(pools) and pools[0].free_quantity == free

    wait_until(ready, what=f"pool view of {part} to show {free} free")


def tenant(
    coordinator: PoolCoordinator, tenant_id: str = "OEM1", callback_url: str = ""
) -> Principal:
    coordinator.register_tenant(
        OPERATOR, TenantIn(tenant_id, f"Automaker {tenant_id}", callback_url)
    )
    return Principal(Role.AUTOMAKER, tenant_id)
