"""Node figures: Reserve over gRPC at 1 and 50 clients on SQLite and PostgreSQL, beside a raw
gRPC echo server measured in the same run (the ceiling). Target on PostgreSQL: >= 1/3 of echo."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import sqlalchemy as sa
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types
from google.protobuf.timestamp_pb2 import Timestamp

from bench import cpu, load
from bench.echo_server import METHOD as ECHO_METHOD
from node.launcher import NodeProcess, run_cli, start_node

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PARTS = [f"BEN-{i:03d}" for i in range(64)]
SECONDS = 5.0
CLIENT_COUNTS = (1, 50)


@contextmanager
def echo_server() -> Iterator[tuple[str, int]]:
    """The echo server's address and process id."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.echo_server"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    target = process.stdout.readline().split("=", 1)[1].strip()
    try:
        yield target, process.pid
    finally:
        process.kill()
        process.wait()


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def seeded_node(database_url: str, workdir: Path) -> Iterator[NodeProcess]:
    key = str(workdir / "audit.key")
    run_cli(
        "node",
        "init",
        "--db",
        database_url,
        "--member-id",
        "BENCH",
        "--name",
        "Bench",
        "--key",
        key,
    )
    node = start_node(database_url, extra_args=("--key", key))
    try:
        with node.admin_channel() as channel:
            admin = inventory_pb2_grpc.InventoryServiceStub(channel)
            admin.UpsertLocation(
                inv.UpsertLocationRequest(site_id="S", warehouse_id="W", location_id="A")
            )
            for part in PARTS:
                admin.UpsertPart(
                    inv.UpsertPartRequest(part_number=part, description=part, unit_of_measure="C62")
                )
                admin.ReceivePurchase(
                    inv.ReceivePurchaseRequest(
                        movement_id=str(uuid.uuid4()),
                        purchase_order_number="PO",
                        part_number=part,
                        quantity=10_000_000,
                        unit_of_measure="C62",
                        location_id="A",
                        lot_number="L1",
                        unit_cost_micros=1_000_000,
                        currency="EUR",
                        actor="bench",
                        quality_status=types.QUALITY_STATUS_RELEASED,
                    )
                )
                admin.SetSafetyStock(
                    inv.SetSafetyStockRequest(part_number=part, quantity=10_000_000)
                )
        yield node
    finally:
        node.stop()


def _due_at() -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(int((time.time() + 86_400) * 1000))
    return ts


def reserve_call() -> load.Call:
    due_at = _due_at()

    async def call(channel: grpc.aio.Channel, client: int, n: int) -> object:
        request = pb.ReserveRequest(
            reservation_id=str(uuid.uuid4()),
            plan_id="bench",
            demand_id="bench",
            ttl_seconds=3600,
            lines=[
                pb.ReserveLine(
                    line_id="1",
                    part_number=PARTS[(client + n) % len(PARTS)],
                    quantity=1,
                    unit_of_measure="C62",
                    source=types.SUPPLY_SOURCE_STOCK,
                    due_at=due_at,
                    destination="DEWOB",
                )
            ],
        )
        return await channel.unary_unary(
            "/alliance.v1.NodeService/Reserve",
            request_serializer=pb.ReserveRequest.SerializeToString,
            response_deserializer=pb.ReserveResponse.FromString,
        )(request, timeout=30)

    return call


def echo_call() -> load.Call:
    body = b"x" * 160  # about the size of a serialized one-line ReserveRequest

    async def call(channel: grpc.aio.Channel, client: int, n: int) -> object:
        return await channel.unary_unary(ECHO_METHOD)(body, timeout=30)

    return call


def measure(store: str, database_url: str, workdir: Path) -> list[str]:
    lines = []
    with echo_server() as (echo_target, echo_pid), seeded_node(database_url, workdir) as node:
        node_pid = node.process.pid
        for clients in CLIENT_COUNTS:
            with cpu.measured({"echo server": lambda: cpu.process_cpu_s(echo_pid)}) as echo_cpu:
                echo = load.run(echo_target, echo_call(), clients, SECONDS)
            readers = {"node": lambda: cpu.process_cpu_s(node_pid)}
            if store == "postgresql":
                readers["PostgreSQL"] = cpu.postgres_cpu_s
            with cpu.measured(readers) as reserve_cpu:
                reserve = load.run(node.alliance_target, reserve_call(), clients, SECONDS)
            ratio = reserve.per_second / echo.per_second if echo.per_second else 0
            lines.append(echo.line(f"{store}: echo ceiling"))
            lines.append(reserve.line(f"{store}: Reserve"))
            lines.append(f"{store}: Reserve / echo at {clients} clients = {ratio:.2f}")
            # Where the time goes: both servers are single processes bound by one core.
            lines.append(
                f"{store}: CPU us per call at {clients} clients: "
                f"echo ({echo_cpu.per_call_us(echo.requests)}); "
                f"Reserve ({reserve_cpu.per_call_us(reserve.requests)})"
            )
    return lines


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for line in measure("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir):
            print(line, flush=True)
        with postgres_database() as url:
            for line in measure("postgresql", url, workdir):
                print(line, flush=True)


if __name__ == "__main__":
    main()
