"""Cross-cosigning between the coordinator and supplier nodes running as processes over mTLS,
on a coordinator database in SQLite and in PostgreSQL.

Three members: S01 honest; S02 registered with an audit key other than the one its node signs
with (every receipt it hands out has a bad signature); S03 honest until its operator rewrites
its log (a fork). The coordinator's cross-cosigning rounds are driven by hand (`tick`), so
each step is observed exactly; the e2e alliance test sees the same loop run on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from alliance.v1 import audit_pb2, audit_pb2_grpc, inventory_pb2_grpc
from fastapi.testclient import TestClient

from audit.checkpoints import is_cosignature_by, open_checkpoint, verify_cosignature
from audit.ed25519 import Signer
from audit.keys import generate_keypair, load_private_key
from audit.note import parse_note, parse_vkey
from audit.schema import (
    audit_checkpoint,
    audit_cosignature,
    audit_entry,
    audit_log,
    audit_tree_node,
)
from audit.store import LogReader, LogStore
from node.launcher import NodeProcess, start_node
from node.service.factory import init_node
from pool import pki
from pool.adapters import orm
from pool.http.app import create_app
from pool.service.api import AllocationState, DemandIn, DemandLineIn, DemandStatus, Role
from pool.service.factory import PoolCoordinator, coordinator_vkey, open_coordinator
from pool.settings import PoolSettings
from tests.conftest import PG_ADMIN_URL, _swap_database, require_postgres
from tests.integration.pool_core.conftest import HOUR_MS, OPERATOR, Node, tenant, wait_for_pool

PART = "BRK-7"
PRICES = {"S01": 30_000_000, "S02": 10_000_000, "S03": 50_000_000}  # S02 is the cheapest


@dataclass
class Member:
    node: Node  # its database, keys and admin stub
    process: NodeProcess
    channel: grpc.Channel

    @property
    def audit(self) -> audit_pb2_grpc.AuditServiceStub:
        return audit_pb2_grpc.AuditServiceStub(self.channel)


@dataclass
class Scene:
    directory: Path
    pki_dir: Path
    vkey: str
    settings: PoolSettings
    pool: PoolCoordinator
    members: dict[str, Member]

    def tick(self) -> None:
        self.pool.runtime.cosigner.tick()

    def entries(self, kind: str) -> list[dict[str, Any]]:
        """Payloads of the coordinator's log entries of one kind."""
        with self.pool.ctx.sessions() as s:
            statements = [e.statement() for e in self.pool.ctx.trail.store.entries(s)]
        return [dict(st.payload) for st in statements if st.kind == kind]

    def witness(self, member_id: str) -> orm.NodeWitness:
        with self.pool.ctx.sessions() as s:
            row = s.get(orm.NodeWitness, member_id)
            assert row is not None, member_id
            s.expunge(row)
            return row


# --- the alliance ---------------------------------------------------------------------------


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def coordinator_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('pool') / 'pool.db'}"
        return
    require_postgres()
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield _swap_database(PG_ADMIN_URL, name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _init_member(directory: Path, pki_dir: Path, member_id: str) -> Node:
    key_path = directory / f"{member_id}.key"
    public_key = generate_keypair(key_path)
    url = f"sqlite:///{directory / f'{member_id}.db'}"
    init_node(
        url,
        member_id=member_id,
        member_name=f"Supplier {member_id}",
        audit_public_key=public_key,
        audit_log_origin=f"alliance.v1/node/{member_id}",
    )
    pki.write(pki_dir, member_id, pki.issue(pki.read(pki_dir, "ca"), member_id, "node"))
    return Node(member_id, url, key_path, public_key)


def _serve(node: Node, pki_dir: Path, vkey: str) -> Member:
    process = start_node(
        node.database_url,
        extra_args=(
            "--key",
            str(node.key_path),
            "--tls-dir",
            str(pki_dir),
            "--tls-name",
            node.member_id,
        ),
        env={"ALLIANCE_NODE_COORDINATOR_VKEY": vkey},
    )
    node.port = int(process.alliance_target.rsplit(":", 1)[1])
    node._admin_channel = grpc.insecure_channel(process.admin_target)
    node.admin = inventory_pb2_grpc.InventoryServiceStub(node._admin_channel)
    from pool.tls import TlsFiles, channel_credentials

    credentials = channel_credentials(TlsFiles.in_directory(pki_dir, "coordinator"))
    return Member(node, process, grpc.secure_channel(node.endpoint, credentials))


def _stop(member: Member) -> None:
    member.channel.close()
    if member.node._admin_channel is not None:
        member.node._admin_channel.close()
    member.process.stop()


def _register(pool: PoolCoordinator, member: Member, audit_key: bytes) -> None:
    from pool.service.api import MemberIn

    node = member.node
    pool.register_member(
        OPERATOR, MemberIn(node.member_id, f"Supplier {node.member_id}", node.endpoint, audit_key)
    )


@pytest.fixture(scope="module")
def scene(coordinator_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    directory = tmp_path_factory.mktemp("cross_cosigning")
    pki_dir = directory / "pki"
    pki.write(pki_dir, "ca", pki.create_ca("Test Alliance"))
    ca = pki.read(pki_dir, "ca")
    pki.write(pki_dir, "coordinator", pki.issue(ca, "coordinator", "coordinator"))
    settings = PoolSettings(
        database_url=coordinator_url,
        tls_dir=pki_dir,
        audit_key_path=directory / "pool_audit.key",
        staleness_s=120,
        heartbeat_interval_s=0.5,
        quote_deadline_ms=3000,
        planning_workers=1,
    )
    vkey = coordinator_vkey(settings)
    nodes = [_init_member(directory, pki_dir, m) for m in ("S01", "S02", "S03")]
    with ThreadPoolExecutor(max_workers=3) as launcher:
        members = {
            m.node.member_id: m for m in launcher.map(lambda n: _serve(n, pki_dir, vkey), nodes)
        }
    pool = open_coordinator(settings)
    try:
        for member_id, member in members.items():
            member.node.add_part(PART, on_hand=100, safety_stock=100, price=PRICES[member_id])
            wrong_key = Signer.generate().public_key  # S02's node signs with another key
            _register(pool, member, wrong_key if member_id == "S02" else member.node.public_key)
        pool.runtime.sync_watchers()  # the live pool view; cosigning rounds are driven by hand
        wait_for_pool(pool, PART, 90)  # 30 pooled by each member
        yield Scene(directory, pki_dir, vkey, settings, pool, members)
    finally:
        pool.close()
        for member in members.values():
            _stop(member)


@pytest.fixture(scope="module")
def first_round(scene: Scene) -> Scene:
    scene.tick()
    return scene


@pytest.fixture(scope="module")
def demand(first_round: Scene) -> Any:
    scene = first_round
    oem = tenant(scene.pool)
    due = scene.pool.ctx.now_ms() + 72 * HOUR_MS
    order = DemandIn(lines=(DemandLineIn("L1", PART, 20, "C62", due, "DEHAM"),))
    view, _ = scene.pool.submit_demand(oem, order, "cross-cosigning-1")
    status = scene.pool.executor.run(view.demand_id)
    assert status is DemandStatus.CONFIRMED
    return scene.pool.get_demand(oem, view.demand_id)


# --- cosigning each other -------------------------------------------------------------------


def test_the_coordinator_and_honest_nodes_cosign_each_others_checkpoints(
    first_round: Scene,
) -> None:
    scene = first_round
    trail = scene.pool.ctx.trail
    with scene.pool.ctx.sessions() as s:
        cosigned_size, note = trail.latest_cosigned(s) or (0, "")
    assert cosigned_size > 0
    checkpoint, parsed = open_checkpoint(note, trail.store.origin, trail.public_key)
    for member_id in ("S01", "S03"):
        key = scene.members[member_id].node.public_key
        (line,) = [x for x in parsed.signatures if is_cosignature_by(x, member_id, key)]
        verify_cosignature(parsed.text, line, key)
        state = scene.members[member_id].audit.GetCosignedCheckpoint(
            audit_pb2.GetCosignedCheckpointRequest(origin=trail.store.origin)
        )
        assert state.tree_size == checkpoint.size
        witnessed = scene.witness(member_id)
        assert witnessed.cosigned_size > 0 and not witnessed.refusal
        # The node keeps our cosignature with its own checkpoint, so its exports show it.
        kept = _node_checkpoint(scene.members[member_id].node, witnessed.cosigned_size)
        (ours,) = [
            x for x in parse_note(kept).signatures
            if is_cosignature_by(x, "coordinator", trail.public_key)
        ]
        verify_cosignature(parse_note(kept).text, ours, trail.public_key)
    assert "S02" not in {x.name for x in parsed.signatures}  # its cosignature fails its key


def _node_checkpoint(node: Node, size: int) -> str:
    engine = sa.create_engine(node.database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            (origin,) = LogReader.origins(conn)
            note = LogReader(origin).checkpoint_note(conn, size)
    finally:
        engine.dispose()
    assert note is not None
    return note


def test_a_node_whose_registered_key_differs_is_not_cosigned_and_that_is_recorded(
    first_round: Scene,
) -> None:
    state = first_round.witness("S02")
    assert state.cosigned_size == 0 and "signature" in state.refusal
    refused = [p for p in first_round.entries("node_checkpoint_refused") if p["member_id"] == "S02"]
    assert len(refused) >= 1 and "signature" in refused[0]["why"]


# --- receipts -------------------------------------------------------------------------------


def _node_reservations(node: Node) -> dict[str, tuple[str, int]]:
    """reservation id -> (state, units), from the node's own database."""
    engine = sa.create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select r.reservation_id, r.state, sum(l.quantity) from reservation r "
                    "join reservation_line l using (reservation_id) group by 1, 2"
                )
            )
            return {r[0]: (r[1], int(r[2])) for r in rows}
    finally:
        engine.dispose()


def test_receipts_with_a_bad_signature_are_rejected_recorded_and_no_unit_is_lost(
    demand: Any, first_round: Scene
) -> None:
    scene = first_round
    rejected = [p for p in scene.entries("receipt_rejected") if p["member_id"] == "S02"]
    assert rejected, "the cheapest member, S02, was never tried"
    assert all("statement signature does not verify" in p["why"] for p in rejected)
    assert all(p["receipt"]["statement_b64"] for p in rejected)  # the evidence is kept

    plan = demand.plan
    confirmed = [a for a in plan.allocations if a.state is AllocationState.CONFIRMED]
    assert {a.member_id for a in confirmed} == {"S01"}
    assert sum(a.quantity for a in confirmed) == 20
    s01 = _node_reservations(scene.members["S01"].node)
    assert s01 == {a.reservation_id: ("confirmed", a.quantity) for a in confirmed}
    s02 = _node_reservations(scene.members["S02"].node)
    assert s02 and {state for state, _ in s02.values()} == {"released"}
    shares, _ = scene.pool.runtime.nodes.client(_member_row(scene, "S02")).pool_shares()
    (share,) = [x for x in shares if x.part_number == PART]
    assert share.free_quantity == share.contributed_quantity == 30  # nothing held on S02


def _member_row(scene: Scene, member_id: str) -> orm.Member:
    with scene.pool.ctx.sessions() as s:
        row = s.get(orm.Member, member_id)
        assert row is not None
        s.expunge(row)
        return row


def test_grown_logs_are_cosigned_through_consistency_proofs_and_receipts_proven(
    demand: Any, first_round: Scene
) -> None:
    scene = first_round
    s01_before = scene.witness("S01").cosigned_size
    trail = scene.pool.ctx.trail
    with scene.pool.ctx.sessions() as s:
        ours_before = trail.cosigned_size_by(s, "S01")
        waiting = s.scalars(
            sa.select(orm.ReceiptProof).where(orm.ReceiptProof.member_id == "S01")
        ).all()
    assert waiting and all(r.proven_at_ms is None for r in waiting)  # none proven on the hot path

    scene.tick()

    s01 = scene.witness("S01")
    assert s01.cosigned_size > s01_before and not s01.refusal  # the reserve/confirm grew it
    with scene.pool.ctx.sessions() as s:
        row = s.get(orm.NodeCheckpoint, ("S01", s01.cosigned_size))
        proofs = s.scalars(
            sa.select(orm.ReceiptProof).where(orm.ReceiptProof.member_id == "S01")
        ).all()
        ours_after = trail.cosigned_size_by(s, "S01")
    assert row is not None
    cosigned = parse_note(row.cosigned_note)
    (line,) = [
        x for x in cosigned.signatures if is_cosignature_by(x, "coordinator", trail.public_key)
    ]
    verify_cosignature(cosigned.text, line, trail.public_key)
    assert len(proofs) == len(waiting) and all(p.proven_at_ms and not p.failure for p in proofs)
    assert ours_after > ours_before > 0  # S01 cosigned our grown log from its previous size


def test_a_receipt_whose_entry_is_not_in_the_nodes_log_is_recorded_unproven(
    demand: Any, first_round: Scene
) -> None:
    """As if S01 had signed a receipt for a leaf its log does not hold at that index."""
    scene = first_round
    with scene.pool.ctx.sessions.begin() as s:
        s.add(
            orm.ReceiptProof(
                member_id="S01",
                leaf_index=0,
                entry_hash=b"\x07" * 32,
                checkpoint_size=0,
                reservation_id="not-in-the-log",
                received_at_ms=scene.pool.ctx.now_ms(),
                failure="",
            )
        )
    scene.tick()
    with scene.pool.ctx.sessions() as s:
        row = s.get(orm.ReceiptProof, ("S01", 0))
        assert row is not None and "entry 0 is not in the node's log" in row.failure
    unproven = scene.entries("receipt_unproven")
    assert [p["reservation_id"] for p in unproven] == ["not-in-the-log"]
    (s01,) = [n for n in scene.pool.audit_status(OPERATOR).nodes if n.member_id == "S01"]
    assert s01.receipts_unproven == 1


# --- a fork -----------------------------------------------------------------------------------


def _rewrite_log(node: Node, extra_entries: int) -> int:
    """What a node operator who rewrites history does: same key, same origin, new entries."""
    engine = sa.create_engine(node.database_url)
    origin = f"alliance.v1/node/{node.member_id}"
    try:
        with engine.begin() as conn:
            log_id, size = conn.execute(sa.select(audit_log.c.log_id, audit_log.c.size)).one()
            for table in (audit_cosignature, audit_checkpoint, audit_tree_node, audit_entry):
                conn.execute(sa.delete(table).where(table.c.log_id == log_id))
            conn.execute(sa.update(audit_log).values(size=0, frontier=b""))
            store = LogStore(origin, Signer(load_private_key(node.key_path)), node.member_id)
            for i in range(size + extra_entries):
                store.append(conn, "ledger_movement", {"movement_id": f"rewritten-{i}"})
            store.sign_checkpoint(conn)
            return size + extra_entries
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def fork(first_round: Scene) -> Scene:
    scene = first_round
    member = scene.members["S03"]
    cosigned = scene.witness("S03").cosigned_size
    assert cosigned > 0
    _stop(member)
    _rewrite_log(member.node, extra_entries=5)
    restarted = _serve(member.node, scene.pki_dir, scene.vkey)
    scene.members["S03"] = restarted
    _register(scene.pool, restarted, restarted.node.public_key)  # same key, new port
    scene.tick()
    return scene


def test_a_forked_node_log_is_refused_and_recorded(fork: Scene) -> None:
    state = fork.witness("S03")
    assert "not consistent" in state.refusal, state.refusal
    refused = [p for p in fork.entries("node_checkpoint_refused") if p["member_id"] == "S03"]
    assert len(refused) == 1
    fork.tick()  # the same fork again: refused, not recorded twice
    refused = [p for p in fork.entries("node_checkpoint_refused") if p["member_id"] == "S03"]
    assert len(refused) == 1 and fork.witness("S03").cosigned_size == state.cosigned_size


# --- what operators see ---------------------------------------------------------------------


def test_the_status_api_and_dashboard_show_cosigning_refusals_and_verification(
    demand: Any, fork: Scene
) -> None:
    scene = fork
    verification = scene.pool.runtime.verifier.verify()
    assert verification.ok, verification.detail
    operator_key = scene.pool.issue_api_key(OPERATOR, Role.OPERATOR, "ops")
    supplier_key = scene.pool.issue_api_key(OPERATOR, Role.SUPPLIER, "S01")
    with TestClient(create_app(scene.pool, scene.settings)) as client:
        status = client.get("/v1/audit/status", headers=_bearer(operator_key)).json()
        assert status["last_verification_ok"] is True and status["last_verified_at_ms"]
        assert "every signature verifies" in status["last_verification_detail"]
        assert {"S01"} <= set(status["cosigned_by"]) and status["cosigned_size"] > 0
        assert len(parse_note(status["cosigned_checkpoint"]).signatures) >= 2
        nodes = {n["member_id"]: n for n in status["nodes"]}
        assert nodes["S01"]["cosigned_size"] > 0 and nodes["S01"]["receipts_waiting"] == 0
        assert (
            "not consistent" in nodes["S03"]["refusal"] and "signature" in nodes["S02"]["refusal"]
        )
        own = client.get("/v1/audit/status", headers=_bearer(supplier_key)).json()
        assert [n["member_id"] for n in own["nodes"]] == ["S01"]  # competitors' logs stay hidden

        client.get(f"/dashboard?key={operator_key}")
        live = client.get("/dashboard/live").text
    assert "Latest cosigned checkpoint" in live and "最新联署检查点" in live
    assert "通过 ok" in live and "every signature verifies" in live
    assert "拒绝联署 refused" in live and "已联署 cosigned" in live


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_the_pinned_verifier_key_names_the_coordinators_log(scene: Scene) -> None:
    assert parse_vkey(scene.vkey) == (
        scene.settings.audit_log_origin,
        scene.pool.ctx.trail.public_key,
    )
