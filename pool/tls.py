"""mTLS for alliance gRPC: credentials from PKI files, and who may call (role and deny list)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
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


class DenyList:
    """Identities the alliance revoked, one per line in a text file (`#` starts a comment).

    The file is the alliance's application-level revocation list, distributed like its CA
    certificate. It is re-read when it changes, looked at no more than once per
    `check_interval_s`, so a revocation applies within that; a missing file denies no one.
    """

    def __init__(
        self,
        path: Path,
        check_interval_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._interval_s = check_interval_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._checked_at = -float("inf")
        self._stamp: tuple[int, int] | None = None
        self._denied: frozenset[str] = frozenset()

    def __contains__(self, identity: object) -> bool:
        return identity in self._current()

    def _current(self) -> frozenset[str]:
        with self._lock:
            now = self._monotonic()
            if now - self._checked_at >= self._interval_s:
                self._checked_at = now
                self._reload()
            return self._denied

    def _reload(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._denied = None, frozenset()
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp, self._denied = stamp, read_deny_list(self.path)


def read_deny_list(path: Path) -> frozenset[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return frozenset(line for line in lines if line)


def add_to_deny_list(path: Path, identity: str) -> bool:
    """Append `identity` to the list at `path`; False when it was already there."""
    if path.exists() and identity in read_deny_list(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(f"{identity}\n")
    return True


class CallerPolicy(grpc.ServerInterceptor):
    """Who may call a server over mutual TLS, beyond holding an alliance certificate: a peer
    whose certificate names one of `roles` (None: any role) and who is not revoked.

    Certificates are short-lived; the deny list covers the hours until a revoked one expires.
    `is_denied(identity)` is consulted on every call so revocations apply at once. Refusals
    are PERMISSION_DENIED; health checks and reflection stay open to every certificate holder.
    """

    def __init__(
        self,
        is_denied: Callable[[str], bool],
        roles: Collection[str] | None = None,
        exempt: tuple[str, ...] = ("/grpc.health", "/grpc.reflection"),
    ) -> None:
        self._is_denied = is_denied
        self._roles = frozenset(roles) if roles is not None else None
        self._exempt = exempt

    def intercept_service(
        self, continuation: Callable[..., Any], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = continuation(details)
        if handler is None or details.method.startswith(self._exempt):
            return handler
        return _guarded(handler, self.refusal)

    def refusal(self, context: grpc.ServicerContext) -> str | None:
        """Why this peer may not call, or None when it may."""
        peer = peer_identity(context)
        if peer is None:
            if context.auth_context().get("transport_security_type") == [b"ssl"]:
                return "the client certificate names no alliance identity"
            return None  # plain-text listener (local development): no identities to check
        role, identity = peer
        if self._roles is not None and role not in self._roles:
            allowed = ", ".join(sorted(self._roles))
            return f"{role} {identity} may not call this service (allowed: {allowed})"
        if self._is_denied(identity):
            return f"member {identity} is revoked"
        return None


def _guarded(
    handler: grpc.RpcMethodHandler, refusal: Callable[[grpc.ServicerContext], str | None]
) -> grpc.RpcMethodHandler:
    def check(context: grpc.ServicerContext) -> None:
        reason = refusal(context)
        if reason is not None:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, reason)

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
