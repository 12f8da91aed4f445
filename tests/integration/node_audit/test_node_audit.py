"""A node's audit log after a scripted day: it verifies offline, every ledger movement and
every reservation state is in it exactly once, and a Reserve receipt proves the promise."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from alliance.v1 import node_pb2, node_pb2_grpc
from alliance.v1 import types_pb2 as types
from typer.testing import CliRunner

from alliance_cli.main import app
from audit.checkpoints import open_checkpoint
from audit.ed25519 import Verifier
from audit.keys import generate_keypair
from audit.merkle import leaf_hash
from audit.proofs import verify_inclusion
from audit.statements import parse_statement
from audit.store import LogReader
from node.domain.clock import ManualClock
from node.grpc.server import NodeServer, build_server
from node.service.api import (
    CountIn,
    LocationIn,
    NodeService,
    PartIn,
    QualityStatus,
    ReceiptIn,
    ShipmentIn,
    TransferIn,
)
from node.service.factory import init_node, open_node

MEMBER = "S01"
ORIGIN = f"alliance.v1/node/{MEMBER}"
runner = CliRunner()


@dataclass
class AuditedNode:
    url: str
    service: NodeService
    server: NodeServer
    stub: node_pb2_grpc.NodeServiceStub
    clock: ManualClock


@pytest.fixture
def audited(database_url: str, tmp_path: Path) -> Iterator[AuditedNode]:
    key = tmp_path / "audit.key"
    init_node(
        database_url,
        member_id=MEMBER,
        member_name="Test Supplier",
        audit_public_key=generate_keypair(key),
        audit_log_origin=ORIGIN,
    )
    clock = ManualClock()
    service = open_node(database_url, clock=clock, audit_key_path=key, pool_size=8)
    server = build_server(
        service,
        alliance_address="127.0.0.1:0",
        admin_address="127.0.0.1:0",
        clock=clock,
        expiry_interval_s=3600,
    )
    server.start()
    channel = grpc.insecure_channel(server.alliance_address)
    try:
        yield AuditedNode(
            database_url, service, server, node_pb2_grpc.NodeServiceStub(channel), clock
        )
    finally:
        channel.close()
        server.stop(grace_s=0)
        service.close()  # type: ignore[attr-defined]


def _receipt(service: NodeService, movement: str, lot: str, quantity: int) -> None:
    service.receive_purchase(
        ReceiptIn(
            movement, "PO-1", "P-100", quantity, "C62", "A-01", lot, 2_000_000, "EUR", "clerk"
        )
    )


def _reserve(
    stub: node_pb2_grpc.NodeServiceStub, quantity: int, reservation_id: str = ""
) -> node_pb2.ReserveResponse:
    return stub.Reserve(
        node_pb2.ReserveRequest(
            reservation_id=reservation_id or str(uuid.uuid4()),
            plan_id="plan-1",
            demand_id="demand-1",
            ttl_seconds=60,
            lines=[
                node_pb2.ReserveLine(
                    line_id="1",
                    part_number="P-100",
                    quantity=quantity,
                    unit_of_measure="C62",
                    source=types.SUPPLY_SOURCE_STOCK,
                )
            ],
        )
    )


def _scripted_day(node: AuditedNode) -> dict[str, Any]:
    service, stub = node.service, node.stub
    service.upsert_location(LocationIn("S1", "W1", "A-01"))
    service.upsert_location(LocationIn("S1", "W1", "A-02"))
    service.upsert_part(PartIn("P-100", "Brake caliper", "C62", list_price_micros=50_000_000))
    service.set_safety_stock("P-100", 400)
    _receipt(service, "rcv-1", "L1", 300)
    _receipt(service, "rcv-2", "L2", 200)
    _receipt(service, "rcv-3", "L3", 100)
    service.set_lot_quality("P-100", "L3", QualityStatus.QUARANTINE, "qa")
    service.set_lot_quality("P-100", "L3", QualityStatus.RELEASED, "qa")
    service.transfer(TransferIn("trf-1", "P-100", "L1", "A-01", "A-02", 40, "clerk"))
    service.count_stock(CountIn("cnt-1", "P-100", "L2", "A-01", 195, "clerk"))
    service.ship_sales(
        ShipmentIn("shp-1", "SO-1", "C-1", "P-100", 10, "C62", 50_000_000, "EUR", "clerk")
    )
    first = _reserve(stub, 20)
    again = _reserve(stub, 20, first.reservation.reservation_id)
    confirmed = stub.Confirm(
        node_pb2.ConfirmRequest(reservation_id=first.reservation.reservation_id)
    )
    released = _reserve(stub, 15)
    stub.Release(
        node_pb2.ReleaseRequest(
            reservation_id=released.reservation.reservation_id, reason="plan changed"
        )
    )
    expiring = _reserve(stub, 5)
    node.clock.advance(seconds=61)
    assert service.expire_due() == 1
    return {"first": first, "again": again, "confirmed": confirmed, "expiring": expiring}


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _movements_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every ledger movement (a MovementView) anywhere in a statement's payload."""
    if isinstance(value, dict):
        if {"movement_id", "quantity_delta", "type"} <= value.keys():
            yield value
            return
        for item in value.values():
            yield from _movements_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _movements_in(item)


def test_a_days_log_verifies_and_holds_every_change_once(
    audited: AuditedNode, tmp_path: Path
) -> None:
    day = _scripted_day(audited)
    first, again = day["first"], day["again"]

    # The Reserve receipt: the node's signature, a checkpoint the node signed, inclusion.
    public_key = audited.stub.GetNodeInfo(node_pb2.GetNodeInfoRequest()).audit_public_key
    receipt = first.receipt
    assert receipt.checkpoint and len(receipt.signature) == 64
    assert Verifier(public_key).verify(receipt.statement, receipt.signature)
    assert leaf_hash(receipt.statement + receipt.signature) == receipt.entry_hash
    statement = parse_statement(receipt.statement)
    assert statement.kind == "reservation_state" and statement.author == MEMBER
    assert statement.payload["aggregate_id"] == first.reservation.reservation_id
    assert statement.payload["data"]["state"] == "pending"
    checkpoint, _ = open_checkpoint(receipt.checkpoint, ORIGIN, public_key)
    engine = sa.create_engine(audited.url)
    with engine.connect() as conn:
        proof = LogReader(ORIGIN).inclusion_proof(conn, receipt.leaf_index, checkpoint.size)
    verify_inclusion(
        receipt.entry_hash, receipt.leaf_index, checkpoint.size, proof, checkpoint.root_hash
    )
    assert again.receipt == first.receipt  # a retried Reserve answers with the first promise
    assert day["confirmed"].receipt.leaf_index > receipt.leaf_index
    assert day["expiring"].receipt.checkpoint

    audited.service.close()  # type: ignore[attr-defined]  # signs the last checkpoint
    export = tmp_path / "node.audit"
    result = runner.invoke(app, ["audit", "export", "--db", audited.url, "--out", str(export)])
    assert result.exit_code == 0, result.output
    assert "await the next checkpoint" not in result.output
    trusted = base64.b64encode(public_key).decode()  # pinned to GetNodeInfo's key
    result = runner.invoke(app, ["audit", "verify", str(export), "--trusted-key", trusted])
    assert result.exit_code == 0, result.output
    assert f"OK: {len(lines_of(export)) - 2} entries" in result.output

    with engine.connect() as conn:
        entries = list(LogReader(ORIGIN).entries(conn))
        ledger = Counter(
            (row[0], row[1])
            for row in conn.execute(
                sa.text("SELECT movement_id, quantity_delta FROM stock_movement")
            )
        )
        outbox = {
            row[0]: row[1]
            for row in conn.execute(
                sa.text(
                    "SELECT sequence, event_type FROM outbox_event "
                    "WHERE event_type <> 'node.initialized'"
                )
            )
        }
    engine.dispose()
    lines = export.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(entries) + 2  # header, every entry, checkpoint

    statements = [parse_statement(entry.statement_bytes) for entry in entries]
    for entry, parsed in zip(entries, statements, strict=True):
        assert parsed.canonical_bytes() == entry.statement_bytes  # RFC 8785, byte for byte
    # The log is the outbox, signed: each event once, in sequence order.
    sequences = [s.payload["sequence"] for s in statements]
    assert sequences == sorted(outbox)
    assert [s.payload["event_type"] for s in statements] == [outbox[q] for q in sequences]
    # Every ledger movement exactly once.
    logged = Counter(
        (m["movement_id"], m["quantity_delta"])
        for s in statements
        for m in _movements_in(s.payload)
    )
    assert logged == ledger and len(ledger) >= 7
    assert {s.kind for s in statements if s.payload["event_type"].startswith("stock.")} == {
        "ledger_movement"
    }
    # Every reservation state change exactly once, as a reservation_state statement.
    states = Counter(
        (
            s.payload["aggregate_id"],
            s.payload["data"].get("state") or s.payload["data"]["reservation"]["state"],
        )
        for s in statements
        if s.kind == "reservation_state"
    )
    assert sorted(states.values()) == [1] * 6
    assert sorted(state for _, state in states) == sorted(
        ["pending", "confirmed", "pending", "released", "pending", "expired"]
    )
    assert any(s.kind == "pool_share_change" for s in statements)
    assert json.loads(lines[-1])["checkpoint"].startswith(f"{ORIGIN}\n{len(entries)}\n")
