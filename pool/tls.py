"""mTLS for alliance gRPC: credentials from PKI files and the peer-identity deny list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from pool.pki import URI_PREFIX


@dataclass(frozen=True)
class TlsFiles:
    """Where a party keeps its key, its certificate and the alliance CA certificate."""

    key: Path
    cert: Path
    ca_cert: Path

    @classmethod
    def in_directory(cls, directory: Path, name: str) -> TlsFiles:
        return cls(directory / f"{name}.key", directory / f"{name}.crt", directory / "ca.crt")


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    """Server side of mutual TLS: a client must present a certificate from the alliance CA."""
    return grpc.ssl_server_credentials(
        [(files.key.read_bytes(), files.cert.read_bytes())],
        root_certificates=files.ca_cert.read_bytes(),
        require_client_auth=True,
    )


def channel_credentials(files: TlsFiles) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=files.ca_cert.read_bytes(),
        private_key=files.key.read_bytes(),
        certificate_chain=files.cert.read_bytes(),
    )


def peer_identity(context: grpc.ServicerContext) -> tuple[str, str] | None:
    """(role, identity) of the authenticated peer, from its certificate; None without TLS."""
    for value in context.auth_context().get("x509_subject_alternative_name", []):
        text = value.decode() if isinstance(value, bytes) else str(value)
        if text.startswith(URI_PREFIX):
            role, _, identity = text[len(URI_PREFIX) :].partition(":")
            return role, identity
    return None


class DenyListInterceptor(grpc.ServerInterceptor):
    """Refuses revoked parties (PERMISSION_DENIED) even though their certificate still verifies.

    Certificates are short-lived; the deny list covers the hours until a revoked one expires.
    `is_denied(identity)` is consulted on every call so revocations apply at once.
    """

    def __init__(
        self, is_denied: Callable[[str], bool], exempt: tuple[str, ...] = ("/grpc.health",)
    ) -> None:
        self._is_denied = is_denied
        self._exempt = exempt

    def intercept_service(
        self, continuation: Callable[..., Any], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(details)
        if handler is None or details.method.startswith(self._exempt):
            return handler
        return _guarded(handler, self._is_denied)


def _guarded(
    handler: grpc.RpcMethodHandler, is_denied: Callable[[str], bool]
) -> grpc.RpcMethodHandler:
    def check(context: grpc.ServicerContext) -> None:
        peer = peer_identity(context)
        if peer is not None and is_denied(peer[1]):
            context.abort(grpc.StatusCode.PERMISSION_DENIED, f"member {peer[1]} is revoked")

    def wrap(behaviour: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            check(context)
            return behaviour(request, context)

        return guarded

    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            wrap(handler.unary_unary), handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            wrap(handler.unary_stream), handler.request_deserializer, handler.response_serializer
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            wrap(handler.stream_unary), handler.request_deserializer, handler.response_serializer
        )
    return grpc.stream_stream_rpc_method_handler(
        wrap(handler.stream_stream), handler.request_deserializer, handler.response_serializer
    )
