"""Mutual TLS between alliance parties over real gRPC on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from pool import pki
from pool.adapters.node_client import ChannelFactory
from pool.tls import (
    CallerPolicy,
    TlsFiles,
    channel_credentials,
    peer_identity,
    server_credentials,
)

SERVICE = "test.v1.WhoAmI"


@pytest.fixture
def alliance(tmp_path: Path) -> Path:
    ca = pki.create_ca("Test Alliance")
    pki.write(tmp_path, "ca", ca)
    for name, role in (("S01", "node"), ("coordinator", "coordinator"), ("S99", "node")):
        pki.write(tmp_path, name, pki.issue(ca, name, role))
    return tmp_path


@pytest.fixture
def server(alliance: Path) -> Iterator[tuple[str, set[str]]]:
    revoked: set[str] = set()

    def who_am_i(request: bytes, context: grpc.ServicerContext) -> bytes:
        role, identity = peer_identity(context) or ("?", "?")
        return f"{role}:{identity}".encode()

    srv = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        interceptors=[CallerPolicy(revoked.__contains__)],
    )
    srv.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                SERVICE, {"Call": grpc.unary_unary_rpc_method_handler(who_am_i)}
            ),
        )
    )
    port = srv.add_secure_port(
        "127.0.0.1:0", server_credentials(TlsFiles.in_directory(alliance, "S01"))
    )
    srv.start()
    yield f"localhost:{port}", revoked
    srv.stop(None)


def call(target: str, credentials: grpc.ChannelCredentials) -> bytes:
    with grpc.secure_channel(target, credentials) as channel:
        return channel.unary_unary(f"/{SERVICE}/Call")(b"", timeout=5)


def test_a_member_certificate_is_accepted_and_identifies_the_peer(
    alliance: Path, server: tuple[str, set[str]]
) -> None:
    target, _ = server
    assert (
        call(target, channel_credentials(TlsFiles.in_directory(alliance, "coordinator")))
        == b"coordinator:coordinator"
    )


def test_a_client_without_a_certificate_is_refused(
    alliance: Path, server: tuple[str, set[str]]
) -> None:
    target, _ = server
    no_cert = grpc.ssl_channel_credentials(root_certificates=(alliance / "ca.crt").read_bytes())
    with pytest.raises(grpc.RpcError) as err:
        call(target, no_cert)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_certificate_from_another_ca_is_refused(
    alliance: Path, server: tuple[str, set[str]], tmp_path: Path
) -> None:
    target, _ = server
    rogue_dir = tmp_path / "rogue"
    rogue_ca = pki.create_ca("Rogue")
    pki.write(rogue_dir, "coordinator", pki.issue(rogue_ca, "coordinator", "coordinator"))
    creds = grpc.ssl_channel_credentials(
        root_certificates=(alliance / "ca.crt").read_bytes(),
        private_key=(rogue_dir / "coordinator.key").read_bytes(),
        certificate_chain=(rogue_dir / "coordinator.crt").read_bytes(),
    )
    with pytest.raises(grpc.RpcError) as err:
        call(target, creds)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_revoked_member_is_refused_although_its_certificate_verifies(
    alliance: Path, server: tuple[str, set[str]]
) -> None:
    target, revoked = server
    creds = channel_credentials(TlsFiles.in_directory(alliance, "S99"))
    assert call(target, creds) == b"node:S99"
    revoked.add("S99")
    with pytest.raises(grpc.RpcError) as err:
        call(target, creds)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "S99" in (err.value.details() or "")


def test_the_coordinator_dials_a_member_only_if_its_certificate_names_that_member(
    alliance: Path, server: tuple[str, set[str]]
) -> None:
    # The server holds S01's certificate: dialled as S01 it answers, dialled as S99 (a member
    # whose registered endpoint now leads to S01's listener) the handshake fails.
    target, _ = server
    port = target.rsplit(":", 1)[1]
    channels = ChannelFactory(TlsFiles.in_directory(alliance, "coordinator"))
    try:
        for endpoint in (target, f"127.0.0.1:{port}"):
            answer = channels.channel(endpoint, "S01").unary_unary(f"/{SERVICE}/Call")(
                b"", timeout=5
            )
            assert answer == b"coordinator:coordinator"
            with pytest.raises(grpc.RpcError) as err:
                channels.channel(endpoint, "S99").unary_unary(f"/{SERVICE}/Call")(b"", timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        channels.close()


def test_certificates_name_their_identity_as_a_host(alliance: Path) -> None:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((alliance / "S01.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert pki.identity_host("S01", "node") in names.get_values_for_type(x509.DNSName)
    assert pki.identity_host("Big_Supplier-2", "node") == "big-supplier-2.node.alliance"
