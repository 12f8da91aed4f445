"""A real node service (SQLite and PostgreSQL) behind an in-process gRPC server on loopback."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc, node_pb2_grpc
from alliance.v1 import types_pb2 as types
from google.protobuf.timestamp_pb2 import Timestamp

from audit.keys import generate_keypair
from dictionary.loader import load as load_dictionary
from node.domain.clock import HOUR_MS, ManualClock
from node.grpc.server import NodeServer, build_server
from node.service import api
from node.service.factory import init_node, open_node
from tests.conftest import PG_ADMIN_URL, require_postgres

MEMBER_ID = "S01"
LOCATION = "NGB-FG-A-01"


@dataclass
class Node:
    """One node: its service (for checking the database), its server and client stubs."""

    database_url: str
    service: api.NodeService
    server: NodeServer
    clock: ManualClock
    node: node_pb2_grpc.NodeServiceStub
    admin: inventory_pb2_grpc.InventoryServiceStub
    channel: grpc.Channel
    admin_channel: grpc.Channel
    public_key: bytes
    key_path: Path  # the node's audit key: a node that keeps a log needs it to change anything

    def due_in(self, hours: float) -> Timestamp:
        ts = Timestamp()
        ts.FromMilliseconds(self.clock.now_ms() + int(hours * HOUR_MS))
        return ts

    def add_part(
        self,
        part: str,
        *,
        on_hand: int = 0,
        safety_stock: int = 0,
        lot: str = "L1",
        expiry: str = "",
        quality: int = types.QUALITY_STATUS_RELEASED,
        unit: str = "C62",
    ) -> None:
        self.admin.UpsertPart(
            inv.UpsertPartRequest(
                part_number=part,
                description=f"test part {part}",
                unit_of_measure=unit,
                lot_tracked=True,
                list_price_micros=20_000_000,
                currency="EUR",
            )
        )
        self.admin.UpsertLocation(
            inv.UpsertLocationRequest(site_id="CN-NGB", warehouse_id="NGB-FG", location_id=LOCATION)
        )
        if on_hand:
            self.receive(part, on_hand, lot=lot, expiry=expiry, quality=quality, unit=unit)
        if safety_stock:
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

    def receive(
        self,
        part: str,
        quantity: int,
        *,
        lot: str = "L1",
        expiry: str = "",
        quality: int = types.QUALITY_STATUS_RELEASED,
        unit: str = "C62",
        location: str = LOCATION,
    ) -> inv.ReceivePurchaseResponse:
        return self.admin.ReceivePurchase(
            inv.ReceivePurchaseRequest(
                movement_id=str(uuid.uuid4()),
                purchase_order_number="PO-1",
                part_number=part,
                quantity=quantity,
                unit_of_measure=unit,
                location_id=location,
                lot_number=lot,
                production_date="2025-12-01",
                expiry_date=expiry,
                unit_cost_micros=10_000_000,
                currency="EUR",
                actor="test",
                quality_status=quality,
            )
        )

    def state(self) -> tuple[Any, ...]:
        """Everything a refused request must leave untouched."""
        shares, sequence = self.service.pool_shares()
        return (
            shares,
            sequence,
            self.service.last_sequence(),
            self.service.stock_positions(),
            self.service.reconcile(),
        )


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Template:
    """An initialised node database that tests clone instead of migrating their own."""

    url: str
    public_key: bytes
    key_path: Path


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"


def _pg_admin(statement: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    """Per backend, once per session: migrate to head and write the node's identity."""
    directory = tmp_path_factory.mktemp("template")
    if request.param == "postgresql":
        require_postgres()
        name = f"tpl_{uuid.uuid4().hex[:16]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    else:
        url = f"sqlite:///{directory / 'node.db'}"
    public_key = generate_keypair(directory / "audit.key")
    init_node(
        url,
        member_id=MEMBER_ID,
        member_name="Test Supplier",
        audit_public_key=public_key,
        audit_log_origin=f"alliance.v1/node/{MEMBER_ID}",
    )
    yield Template(url, public_key, directory / "audit.key")
    if request.param == "postgresql":
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def cloned_database(template: Template, directory: Path) -> Iterator[str]:
    """A fresh copy of the template database (CREATE DATABASE ... TEMPLATE on PostgreSQL)."""
    if template.url.startswith("sqlite"):
        copy = directory / f"node-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template.url.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    name = f"t_{uuid.uuid4().hex[:16]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template.url.rpartition("/")[2]}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def serving_node(template: Template, directory: Path) -> Iterator[Node]:
    """A node on a fresh copy of the template database, served on free loopback ports."""
    with cloned_database(template, directory) as database_url:
        clock = ManualClock()
        service = open_node(
            database_url,
            clock=clock,
            dictionary_version=load_dictionary().version,
            audit_key_path=template.key_path,
        )
        server = build_server(
            service,
            alliance_address="127.0.0.1:0",
            admin_address="127.0.0.1:0",
            clock=clock,
            expiry_interval_s=0.05,
        )
        server.start()
        channel = grpc.insecure_channel(server.alliance_address)
        admin_channel = grpc.insecure_channel(server.admin_address)
        try:
            yield Node(
                database_url=database_url,
                service=service,
                server=server,
                clock=clock,
                node=node_pb2_grpc.NodeServiceStub(channel),
                admin=inventory_pb2_grpc.InventoryServiceStub(admin_channel),
                channel=channel,
                admin_channel=admin_channel,
                public_key=template.public_key,
                key_path=template.key_path,
            )
        finally:
            channel.close()
            admin_channel.close()
            server.stop(grace_s=0)
            service.close()  # type: ignore[attr-defined]


@pytest.fixture
def node(template: Template, tmp_path: Path) -> Iterator[Node]:
    """A fresh node for one test, on SQLite and on PostgreSQL."""
    with serving_node(template, tmp_path) as served:
        yield served


@pytest.fixture(scope="module")
def shared_node(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One node for a module whose tests each check that they changed nothing."""
    with serving_node(template, tmp_path_factory.mktemp("node")) as served:
        yield served


@pytest.fixture(autouse=True, scope="session")
def _plain_logs() -> Iterator[None]:
    """JSON log lines as `alliance node serve` writes them (rich console tracebacks are slow)."""
    import structlog

    structlog.configure(
        processors=[structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
    )
    yield
    structlog.reset_defaults()
