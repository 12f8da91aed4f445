"""The whole alliance as real processes: 12 supplier nodes and the coordinator over mTLS.

An urgent 50-line demand is planned and confirmed; the nodes' books, the coordinator's
settlement and the plan then agree to the unit and the cent, and every audit log (the
coordinator's and each node's) verifies offline with `alliance audit export` + `verify`.
"""

from __future__ import annotations

import base64
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alliance.v1 import inventory_pb2 as inv

from node.launcher import alliance_command
from pool.demo_data import urgent_order
from pool.local_alliance import OPS, LocalAlliance, LocalNode, audit_databases, start_alliance


@pytest.fixture(scope="module")
def alliance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAlliance]:
    alliance = start_alliance(tmp_path_factory.mktemp("alliance"))
    try:
        yield alliance
    finally:
        alliance.close()


@pytest.fixture(scope="module")
def demand(alliance: LocalAlliance) -> dict[str, Any]:
    order = urgent_order([n.books for n in alliance.nodes.values()])
    assert len(order) == 50
    with alliance.client() as client:
        submitted = alliance.submit(client, order, reference="E2E-LINE-DOWN")
        return alliance.wait_final(client, submitted["demand_id"], timeout_s=60)


def _node_reservations(node: LocalNode) -> dict[str, tuple[str, str]]:
    """reservation id -> (state, sales order number), from the node's own database."""
    engine = sa.create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("select reservation_id, state, sales_order_number from reservation")
            )
            return {r[0]: (r[1], r[2]) for r in rows}
    finally:
        engine.dispose()


def _node_lines(node: LocalNode) -> Counter[tuple[str, str, int]]:
    """(part, source, unit price) -> quantity over the node's confirmed reservations."""
    engine = sa.create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select l.part_number, l.source, l.unit_price_micros, sum(l.quantity) "
                    "from reservation_line l join reservation r using (reservation_id) "
                    "where r.state = 'confirmed' group by 1, 2, 3"
                )
            )
            return Counter({(r[0], r[1], r[2]): r[3] for r in rows})
    finally:
        engine.dispose()


def _node_shipped(node: LocalNode, sales_orders: set[str]) -> Counter[str]:
    """part -> units issued from stock against the given sales orders (the node's ledger)."""
    engine = sa.create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select p.part_number, m.document_number, -sum(m.quantity_delta) "
                    "from stock_movement m join part p on p.id = m.part_id "
                    "where m.movement_type = 'sales_issue' group by 1, 2"
                )
            )
            return Counter({r[0]: r[2] for r in rows if r[1] in sales_orders})
    finally:
        engine.dispose()


def test_the_urgent_demand_is_planned_and_confirmed_across_the_alliance(
    demand: dict[str, Any],
) -> None:
    assert demand["status"] == "confirmed", demand.get("failure")
    plan = demand["plan"]
    assert plan["nodes_left_out"] == []
    assert plan["allocations"], "nothing was allocated"
    assert {a["state"] for a in plan["allocations"]} == {"confirmed"}
    assert len({a["member_id"] for a in plan["allocations"]}) >= 6  # the pool, not one supplier
    wanted = {line["line_id"]: line["quantity"] for line in demand["lines"]}
    covered = Counter()
    for a in plan["allocations"]:
        covered[a["line_id"]] += a["quantity"]
    for s in plan["shortages"]:
        covered[s["line_id"]] += s["quantity"]
        assert s["reason"] and s["text_en"] and s["text_zh"]
    assert covered == Counter(wanted)  # every unit is either allocated or explained short


def test_node_ledgers_settlement_and_plan_agree_exactly(
    alliance: LocalAlliance, demand: dict[str, Any]
) -> None:
    plan = demand["plan"]
    with alliance.client(alliance.operator_key) as ops:
        settlement = ops.get("/v1/settlement").raise_for_status().json()["data"]

    planned: dict[str, Counter[tuple[str, str, int]]] = {m: Counter() for m in alliance.nodes}
    for a in plan["allocations"]:
        planned[a["member_id"]][(a["part_number"], a["source"], a["unit_price_micros"])] += a[
            "quantity"
        ]
    settled: dict[str, Counter[tuple[str, str, int]]] = {m: Counter() for m in alliance.nodes}
    for x in settlement:
        assert x["plan_id"] == plan["plan_id"] and x["tenant_id"] == "OEM-WOB"
        assert x["amount_micros"] == x["quantity"] * x["unit_price_micros"]
        settled[x["member_id"]][(x["part_number"], x["unit_price_micros"])] += x["quantity"]

    for member_id, node in alliance.nodes.items():
        held = _node_reservations(node)
        mine = {a["reservation_id"] for a in plan["allocations"] if a["member_id"] == member_id}
        assert {rid: state for rid, (state, _) in held.items()} == dict.fromkeys(mine, "confirmed")
        assert _node_lines(node) == +planned[member_id], member_id
        stock_plan = Counter()
        for (part, source, _), quantity in planned[member_id].items():
            if source == "stock":
                stock_plan[part] += quantity
        assert _node_shipped(node, {so for _, so in held.values()}) == +stock_plan, member_id
        by_price = Counter()
        for (part, _, price), quantity in planned[member_id].items():
            by_price[(part, price)] += quantity
        assert settled[member_id] == +by_price, member_id
        with node.admin() as admin:
            reconciled = admin.Reconcile(inv.ReconcileRequest(), timeout=10)
        assert reconciled.balanced, (member_id, list(reconciled.mismatches))


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        alliance_command(*args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=120)
    return process.returncode, out


def test_every_audit_log_verifies_offline(
    alliance: LocalAlliance, demand: dict[str, Any], tmp_path: Path
) -> None:
    assert demand["status"] == "confirmed"
    alliance.coordinator.audit_status(OPS)  # sign a checkpoint over the whole run
    logs = audit_databases(alliance)
    assert len(logs) == 13
    exports = {name: tmp_path / f"{name}.jsonl" for name, _, _ in logs}
    running = [
        (name, _cli("audit", "export", "--db", url, "--out", str(exports[name])))
        for name, url, _ in logs
    ]
    for name, process in running:
        code, out = _finish(process)
        assert code == 0, f"{name}: {out}"
        assert " 0 entries" not in out, f"{name}: {out}"
    running = [
        (
            name,
            _cli(
                "audit",
                "verify",
                str(exports[name]),
                "--trusted-key",
                base64.b64encode(key).decode(),
                "--workers",
                "1",
            ),
        )
        for name, _, key in logs
    ]
    for name, process in running:
        code, out = _finish(process)
        assert code == 0 and out.startswith("OK:"), f"{name}: {out}"
        assert "not pinned" not in out, f"{name}: {out}"


def test_the_running_coordinator_cross_cosigns_with_every_node_and_verifies_its_log(
    alliance: LocalAlliance, demand: dict[str, Any]
) -> None:
    """The background rounds, as started with the coordinator: every node's grown log is
    cosigned, its receipts proven, every node cosigns the coordinator's checkpoint, and the
    coordinator's own log passed its offline verification (its first, FIRST_VERIFY_AFTER_S
    after the start)."""
    assert demand["status"] == "confirmed"
    members = set(alliance.nodes)

    def settled() -> dict[str, Any] | None:
        with alliance.client(alliance.operator_key) as ops:
            status = ops.get("/v1/audit/status").raise_for_status().json()
        nodes = {n["member_id"]: n for n in status["nodes"]}
        done = (
            status["last_verified_at_ms"] is not None
            and set(status["cosigned_by"]) == members
            and set(nodes) == members
            and all(n["cosigned_size"] > 0 and n["receipts_waiting"] == 0 for n in nodes.values())
        )
        return status if done else None

    deadline = time.monotonic() + 60
    while (status := settled()) is None:
        assert time.monotonic() < deadline, "cross-cosigning did not settle within 60 s"
        time.sleep(0.5)
    assert status["last_verification_ok"] is True, status["last_verification_detail"]
    assert all(not n["refusal"] and n["receipts_unproven"] == 0 for n in status["nodes"])
    assert status["cosigned_size"] > 0 and status["cosigned_checkpoint"]
