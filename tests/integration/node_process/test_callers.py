"""Who may call a node over mutual TLS: the coordinator's role, and no revoked identity.

A real `alliance node serve --tls-dir` process; every caller holds a certificate of the same
alliance CA, so the handshake succeeds and the node itself has to refuse.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from alliance.v1 import node_pb2, node_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from node.launcher import NodeProcess, run_cli, start_node
from pool import pki
from pool.adapters.node_client import ChannelFactory
from pool.tls import DenyList, TlsFiles, add_to_deny_list

PARTIES = (
    ("S01", "node"),
    ("S02", "node"),
    ("coordinator", "coordinator"),
    ("standby-coordinator", "coordinator"),
    ("oem-client", "client"),
    ("ops-console", "operator"),
)


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    ca = pki.create_ca("Test Alliance")
    pki.write(directory, "ca", ca)
    for name, role in PARTIES:
        pki.write(directory, name, pki.issue(ca, name, role))
    return directory


@pytest.fixture(scope="module")
def node(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    workdir = tmp_path_factory.mktemp("node")
    url = f"sqlite:///{workdir / 'node.db'}"
    key = str(workdir / "audit.key")
    run_cli("node", "init", "--db", url, "--member-id", "S01", "--name", "S01", "--key", key)
    process = start_node(url, extra_args=("--key", key, "--tls-dir", str(pki_dir)))
    yield process
    process.stop()


def _pool_shares(node: NodeProcess, pki_dir: Path, caller: str) -> grpc.StatusCode:
    channels = ChannelFactory(TlsFiles.in_directory(pki_dir, caller))
    try:
        stub = node_pb2_grpc.NodeServiceStub(channels.channel(node.alliance_target, "S01"))
        try:
            stub.GetPoolShares(node_pb2.GetPoolSharesRequest(), timeout=10)
        except grpc.RpcError as exc:
            assert exc.code() != grpc.StatusCode.PERMISSION_DENIED or caller in exc.details()
            return exc.code()
        return grpc.StatusCode.OK
    finally:
        channels.close()


def test_only_the_coordinator_role_may_call_a_node(node: NodeProcess, pki_dir: Path) -> None:
    assert _pool_shares(node, pki_dir, "coordinator") is grpc.StatusCode.OK
    assert _pool_shares(node, pki_dir, "standby-coordinator") is grpc.StatusCode.OK
    # Another member, an automaker's client and an operator console hold valid alliance
    # certificates, yet see nothing of this supplier's pool.
    for caller in ("S02", "oem-client", "ops-console"):
        assert _pool_shares(node, pki_dir, caller) is grpc.StatusCode.PERMISSION_DENIED, caller


def _reserve(node: NodeProcess, pki_dir: Path, caller: str) -> grpc.StatusCode:
    channels = ChannelFactory(TlsFiles.in_directory(pki_dir, caller))
    try:
        stub = node_pb2_grpc.NodeServiceStub(channels.channel(node.alliance_target, "S01"))
        request = node_pb2.ReserveRequest(
            reservation_id="9f0c8a2e-3d1b-4c5e-8f7a-1b2c3d4e5f60",
            ttl_seconds=60,
            lines=[node_pb2.ReserveLine(line_id="1", part_number="NO-SUCH-PART", quantity=1)],
        )
        try:
            stub.Reserve(request, timeout=10)
        except grpc.RpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK
    finally:
        channels.close()


def test_reserve_is_guarded_like_every_other_call(node: NodeProcess, pki_dir: Path) -> None:
    # Reserve is served on its own path (callers queue for the batch as coroutines); the
    # caller policy still applies before anything is queued.
    for caller in ("S02", "oem-client", "ops-console"):
        assert _reserve(node, pki_dir, caller) is grpc.StatusCode.PERMISSION_DENIED, caller
    # The coordinator gets through to the node's own checks.
    assert _reserve(node, pki_dir, "coordinator") is not grpc.StatusCode.PERMISSION_DENIED


def test_health_stays_open_to_every_alliance_certificate(node: NodeProcess, pki_dir: Path) -> None:
    channels = ChannelFactory(TlsFiles.in_directory(pki_dir, "S02"))
    try:
        health = health_pb2_grpc.HealthStub(channels.channel(node.alliance_target, "S01"))
        answer = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        channels.close()


def test_a_revoked_identity_is_refused_at_once(node: NodeProcess, pki_dir: Path) -> None:
    assert _pool_shares(node, pki_dir, "standby-coordinator") is grpc.StatusCode.OK
    run_cli("pki", "revoke", "standby-coordinator", "--dir", str(pki_dir))
    deadline = time.monotonic() + 5
    while _pool_shares(node, pki_dir, "standby-coordinator") is grpc.StatusCode.OK:
        assert time.monotonic() < deadline, "the revocation never took effect"
        time.sleep(0.2)
    assert _pool_shares(node, pki_dir, "standby-coordinator") is grpc.StatusCode.PERMISSION_DENIED
    assert _pool_shares(node, pki_dir, "coordinator") is grpc.StatusCode.OK


def test_the_deny_list_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    now = [0.0]
    path = tmp_path / "revoked.txt"
    denied = DenyList(path, check_interval_s=1.0, monotonic=lambda: now[0])
    assert "S07" not in denied  # no file: nobody is denied
    path.write_text("# revoked by the alliance board\nS07  # lost laptop\n\n")
    assert "S07" not in denied  # not looked at again within the interval
    now[0] = 1.0
    assert "S07" in denied
    assert "lost" not in denied and "" not in denied
    assert add_to_deny_list(path, "S08") and not add_to_deny_list(path, "S07")
    now[0] = 2.0
    assert "S08" in denied and "S07" in denied


def test_a_misspelt_caller_role_stops_the_node_with_a_clear_error(
    pki_dir: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    key = str(tmp_path / "audit.key")
    run_cli("node", "init", "--db", url, "--member-id", "S01", "--name", "S01", "--key", key)
    with pytest.raises(RuntimeError, match="CALLER_ROLES must name roles among .* got coordinater"):
        start_node(
            url,
            extra_args=("--key", key, "--tls-dir", str(pki_dir)),
            env={"ALLIANCE_NODE_CALLER_ROLES": "coordinater"},
            timeout_s=30,
        )
