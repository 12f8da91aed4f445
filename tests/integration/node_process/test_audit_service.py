"""A node process's AuditService over gRPC (SQLite and PostgreSQL): its proofs verify with the
audit library's RFC 9162 code, bad sizes are INVALID_ARGUMENT, and its witness cosigns the
coordinator's checkpoints only while they extend the last one it cosigned."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from alliance.v1 import audit_pb2 as pb
from alliance.v1 import audit_pb2_grpc, inventory_pb2_grpc, node_pb2, node_pb2_grpc

from audit.checkpoints import (
    Checkpoint,
    add_signature,
    cosign,
    is_cosignature_by,
    open_checkpoint,
    parse_body,
    sign_checkpoint,
)
from audit.ed25519 import Signer
from audit.keys import generate_keypair, load_private_key
from audit.log import AuditLog
from audit.note import format_vkey, parse_note
from audit.proofs import verify_consistency, verify_inclusion
from audit.store import LogReader
from node.launcher import run_cli, start_node

from .conftest import NodeClient
from .test_node_process import reserve_request

COORDINATOR = "alliance.v1/coordinator"


@dataclass
class AuditedNode:
    client: NodeClient
    audit: audit_pb2_grpc.AuditServiceStub
    public_key: bytes
    origin: str


@pytest.fixture
def coordinator_key(tmp_path: Path) -> Path:
    path = tmp_path / "coordinator.key"
    generate_keypair(path)
    return path


@pytest.fixture
def node(database_url: str, tmp_path: Path, coordinator_key: Path) -> Iterator[AuditedNode]:
    key = tmp_path / "node.key"
    run_cli(
        "node", "init", "--db", database_url, "--member-id", "S01",
        "--name", "Audited Supplier", "--key", str(key),
    )  # fmt: skip
    vkey = format_vkey(COORDINATOR, Signer(load_private_key(coordinator_key)).public_key)
    process = start_node(
        database_url,
        extra_args=("--key", str(key)),
        env={"ALLIANCE_NODE_COORDINATOR_VKEY": vkey},
    )
    channel, admin_channel = process.channel(), process.admin_channel()
    client = NodeClient(
        process,
        node_pb2_grpc.NodeServiceStub(channel),
        inventory_pb2_grpc.InventoryServiceStub(admin_channel),
        (channel, admin_channel),
    )
    info = client.node.GetNodeInfo(node_pb2.GetNodeInfoRequest())
    try:
        yield AuditedNode(
            client,
            audit_pb2_grpc.AuditServiceStub(channel),
            bytes(info.audit_public_key),
            info.audit_log_origin or "alliance.v1/node/S01",
        )
    finally:
        channel.close()
        admin_channel.close()
        process.stop()


def _checkpoint(node: AuditedNode, note: str) -> Checkpoint:
    return open_checkpoint(note, node.origin, node.public_key)[0]


def _refused(call: object, code: grpc.StatusCode, words: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code() == code, caught.value.details()
    assert words in caught.value.details()


def test_proofs_from_a_node_verify_and_bad_sizes_are_refused(node: AuditedNode) -> None:
    node.client.add_part("BRK-1", on_hand=40, safety_stock=100)
    first = node.audit.GetCheckpoint(pb.GetCheckpointRequest())
    old = _checkpoint(node, first.checkpoint)
    assert old.size == first.tree_size > 0

    reserved = node.client.node.Reserve(reserve_request("BRK-1", 5))
    receipt = reserved.receipt
    new = _checkpoint(node, receipt.checkpoint)
    assert new.size > old.size

    inclusion = node.audit.GetInclusionProof(
        pb.GetInclusionProofRequest(leaf_index=receipt.leaf_index, tree_size=new.size)
    )
    assert inclusion.entry_hash == receipt.entry_hash
    verify_inclusion(
        receipt.entry_hash, receipt.leaf_index, new.size, inclusion.proof, new.root_hash
    )
    consistency = node.audit.GetConsistencyProof(
        pb.GetConsistencyProofRequest(first_tree_size=old.size, second_tree_size=new.size)
    )
    verify_consistency(old.size, new.size, consistency.proof, old.root_hash, new.root_hash)
    latest = node.audit.GetCheckpoint(pb.GetCheckpointRequest())
    assert latest.tree_size >= new.size

    size = latest.tree_size
    bad = grpc.StatusCode.INVALID_ARGUMENT
    for first_size, second_size in ((0, new.size), (new.size, old.size), (1, size + 1)):
        request = pb.GetConsistencyProofRequest(
            first_tree_size=first_size, second_tree_size=second_size
        )
        _refused(lambda r=request: node.audit.GetConsistencyProof(r), bad, "first_tree_size")
    for index, tree_size in ((new.size, new.size), (0, size + 1), (0, 0)):
        request = pb.GetInclusionProofRequest(leaf_index=index, tree_size=tree_size)
        _refused(lambda r=request: node.audit.GetInclusionProof(r), bad, "leaf_index")


def _coordinator_log(tmp_path: Path, name: str, key: Path, origin: str = COORDINATOR) -> AuditLog:
    return AuditLog.open(f"sqlite:///{tmp_path / name}", origin, key, "coordinator")


def _grow(log: AuditLog, entries: int, tag: str) -> str:
    for i in range(entries):
        log.append("demand", {"demand_id": f"{tag}-{i}"})
    return log.checkpoint()


def test_a_node_cosigns_the_coordinators_growing_log_and_refuses_a_fork(
    node: AuditedNode, tmp_path: Path, coordinator_key: Path
) -> None:
    state = node.audit.GetCosignedCheckpoint(pb.GetCosignedCheckpointRequest(origin=COORDINATOR))
    assert (state.checkpoint, state.tree_size) == ("", 0)

    log = _coordinator_log(tmp_path, "coordinator.db", coordinator_key)
    first = _grow(log, 3, "a")
    cosigned = node.audit.CosignCheckpoint(pb.CosignCheckpointRequest(checkpoint=first))
    log.add_cosignature(cosigned.cosigned_checkpoint, "S01", node.public_key)  # it verifies
    second = _grow(log, 4, "b")
    node.audit.CosignCheckpoint(
        pb.CosignCheckpointRequest(
            checkpoint=second, previous_tree_size=3, consistency_proof=log.consistency_proof(3, 7)
        )
    )
    state = node.audit.GetCosignedCheckpoint(pb.GetCosignedCheckpointRequest(origin=COORDINATOR))
    assert state.tree_size == 7 and parse_note(state.checkpoint).text == parse_note(second).text

    # The same key and origin, another history: a fork the node must not cosign.
    forked = _coordinator_log(tmp_path, "forked.db", coordinator_key)
    fork = _grow(forked, 9, "f")
    precondition = grpc.StatusCode.FAILED_PRECONDITION
    request = pb.CosignCheckpointRequest(
        checkpoint=fork, previous_tree_size=7, consistency_proof=forked.consistency_proof(7, 9)
    )
    _refused(lambda: node.audit.CosignCheckpoint(request), precondition, "not consistent")
    stale = pb.CosignCheckpointRequest(checkpoint=second, previous_tree_size=3)
    _refused(lambda: node.audit.CosignCheckpoint(stale), precondition, "last cosigned size 7")
    older = pb.CosignCheckpointRequest(checkpoint=first, previous_tree_size=7)
    _refused(lambda: node.audit.CosignCheckpoint(older), precondition, "older than the 7")

    stranger = _coordinator_log(tmp_path, "stranger.db", coordinator_key, "example.org/other")
    unknown = pb.CosignCheckpointRequest(checkpoint=_grow(stranger, 1, "s"))
    _refused(lambda: node.audit.CosignCheckpoint(unknown), precondition, "trusts no audit log")
    impostor = sign_checkpoint(parse_body(parse_note(second).text), COORDINATOR, Signer.generate())
    forged = pb.CosignCheckpointRequest(checkpoint=impostor, previous_tree_size=7)
    _refused(
        lambda: node.audit.CosignCheckpoint(forged), grpc.StatusCode.INVALID_ARGUMENT, "signature"
    )
    garbage = pb.CosignCheckpointRequest(checkpoint="not a note")
    _refused(lambda: node.audit.CosignCheckpoint(garbage), grpc.StatusCode.INVALID_ARGUMENT, "note")

    state = node.audit.GetCosignedCheckpoint(pb.GetCosignedCheckpointRequest(origin=COORDINATOR))
    assert state.tree_size == 7  # nothing refused moved the witness
    for opened in (log, forked, stranger):
        opened.close()


def test_a_node_keeps_a_trusted_cosignature_of_its_checkpoint(
    node: AuditedNode, coordinator_key: Path, database_url: str
) -> None:
    node.client.add_part("BRK-1", on_hand=40, safety_stock=100)  # the log signs a checkpoint
    own = node.audit.GetCheckpoint(pb.GetCheckpointRequest())
    body = parse_note(own.checkpoint).text
    trusted = Signer(load_private_key(coordinator_key))
    line = cosign(body, "coordinator", trusted, 1_790_000_000)
    kept = node.audit.AddCosignature(
        pb.AddCosignatureRequest(cosigned_checkpoint=add_signature(own.checkpoint, line))
    )
    assert kept.tree_size == own.tree_size
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:  # the node may have signed a newer checkpoint meanwhile
        now = LogReader(node.origin).checkpoint_note(conn, own.tree_size)
    engine.dispose()
    assert now is not None
    assert any(is_cosignature_by(x, "coordinator", trusted.public_key)
               for x in parse_note(now).signatures)  # fmt: skip

    stranger = cosign(body, "coordinator", Signer.generate(), 1_790_000_000)
    untrusted = pb.AddCosignatureRequest(
        cosigned_checkpoint=add_signature(own.checkpoint, stranger)
    )
    precondition = grpc.StatusCode.FAILED_PRECONDITION
    _refused(lambda: node.audit.AddCosignature(untrusted), precondition, "trusts")
    garbage = pb.AddCosignatureRequest(cosigned_checkpoint="not a note")
    _refused(lambda: node.audit.AddCosignature(garbage), grpc.StatusCode.INVALID_ARGUMENT, "note")
