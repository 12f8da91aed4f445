"""The one place that builds a node's gRPC servers, with every option explicit.

Two listeners: the alliance port serves `NodeService` (what the alliance may see), the admin
port, on loopback by default, serves `InventoryService` (the supplier's own books). Both serve
standard health checking and reflection. Transport security is pluggable through `add_port`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import grpc
import structlog
from alliance.v1 import (
    audit_pb2,
    audit_pb2_grpc,
    inventory_pb2,
    inventory_pb2_grpc,
    node_pb2,
    node_pb2_grpc,
)
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from node.domain.clock import Clock
from node.grpc.aio_port import AioPort
from node.grpc.audit_servicer import AuditServicer
from node.grpc.inventory_servicer import InventoryServicer
from node.grpc.node_servicer import NodeServicer
from node.grpc.reserve_port import ReserveBatcher, add_reserve
from node.grpc.watch import PoolShareFeed
from node.service import api

log = structlog.get_logger(__name__)

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
NODE_SERVICE = node_pb2.DESCRIPTOR.services_by_name["NodeService"].full_name
INVENTORY_SERVICE = inventory_pb2.DESCRIPTOR.services_by_name["InventoryService"].full_name
AUDIT_SERVICE = audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name

SERVER_OPTIONS: list[tuple[str, int]] = [
    # Larger requests are refused by gRPC itself with RESOURCE_EXHAUSTED.
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # Ping idle connections so dead coordinators and watchers are noticed within a minute.
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    # Without this a second node could silently share a port with the first.
    ("grpc.so_reuseport", 0),
]

PortAdder = Callable[[grpc.Server, str], int]


def insecure_ports(server: grpc.Server, address: str) -> int:
    """Plain-text listener; TLS/mTLS comes later as another `PortAdder`."""
    return server.add_insecure_port(address)


def mtls_ports(tls_dir: Path, name: str) -> PortAdder:
    """Mutual-TLS listener: clients need a certificate from the alliance CA in `tls_dir`."""
    from pool.tls import TlsFiles, server_credentials

    credentials = server_credentials(TlsFiles.in_directory(tls_dir, name))

    def add(server: grpc.Server, address: str) -> int:
        return server.add_secure_port(address, credentials)

    return add


class ExpirySweeper:
    """Expires pending reservations past their time-to-live, once per `interval_s`."""

    def __init__(
        self, service: api.NodeService, feed: PoolShareFeed, interval_s: float = 1.0
    ) -> None:
        self._service = service
        self._feed = feed
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="expiry-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                if self._service.expire_due():
                    self._feed.notify_committed()
            except Exception:  # noqa: BLE001 - a failed sweep is retried at the next tick
                log.exception("expiry_sweep_failed")


@dataclass
class NodeServer:
    """Both listeners of one node, started and stopped together."""

    alliance: AioPort
    admin: grpc.Server
    alliance_address: str
    admin_address: str
    feed: PoolShareFeed
    alliance_health: health.HealthServicer
    admin_health: health.HealthServicer
    sweeper: ExpirySweeper
    reserve_batcher: ReserveBatcher
    _stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.alliance.start()
        self.admin.start()
        self.sweeper.start()
        for name in ("", NODE_SERVICE):
            self.alliance_health.set(name, health_pb2.HealthCheckResponse.SERVING)
        for name in ("", INVENTORY_SERVICE):
            self.admin_health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace_s: float = 5.0) -> None:
        """Refuse new calls, end open watches (clients resume elsewhere), drain, stop."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.alliance_health.enter_graceful_shutdown()
        self.admin_health.enter_graceful_shutdown()
        self.sweeper.stop()
        self.feed.close()
        done = [self.alliance.stop(grace_s), self.admin.stop(grace_s)]
        for event in done:
            event.wait(grace_s + 1)
        self.reserve_batcher.close()
        self.alliance.close()

    def wait_for_termination(self) -> None:
        self.alliance.wait_for_termination()


def _listen(server: Any, address: str, add_port: PortAdder) -> str:
    port = add_port(server, address)
    if not port:
        raise OSError(f"cannot listen on {address}")
    host = address.rsplit(":", 1)[0]
    return f"{host}:{port}"


def _add_health_and_reflection(
    server: Any,
    *service_names: str,
    reflect: Callable[[Sequence[str], Any], None] = reflection.enable_server_reflection,
) -> health.HealthServicer:
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    reflect((*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    return servicer


def build_server(
    service: api.NodeService,
    *,
    alliance_address: str = "127.0.0.1:50051",
    admin_address: str = "127.0.0.1:50061",
    add_port: PortAdder = insecure_ports,
    admin_add_port: PortAdder | None = None,
    max_workers: int = 64,
    admin_workers: int = 8,
    clock: Clock | None = None,
    expiry_interval_s: float = 1.0,
    audit: AuditServicer | None = None,
    callers: grpc.ServerInterceptor | None = None,
) -> NodeServer:
    """Both servers, bound (port 0 picks a free one) but not started. `audit` (the node's
    AuditService) is served on the alliance port only: members ask it for proofs. `callers`
    decides who may call the alliance port (pool.tls.CallerPolicy over mutual TLS)."""
    feed = PoolShareFeed(service)

    alliance = AioPort(SERVER_OPTIONS, max_workers, interceptor=callers)
    node_pb2_grpc.add_NodeServiceServicer_to_server(NodeServicer(service, feed, clock), alliance)
    reserve_batcher = add_reserve(alliance, service, feed)
    alliance_services = [NODE_SERVICE]
    if audit is not None:
        audit_pb2_grpc.add_AuditServiceServicer_to_server(audit, alliance)
        alliance_services.append(AUDIT_SERVICE)
    alliance_health = _add_health_and_reflection(
        alliance, *alliance_services, reflect=AioPort.enable_reflection
    )

    admin = grpc.server(
        futures.ThreadPoolExecutor(max_workers=admin_workers, thread_name_prefix="admin-rpc"),
        options=SERVER_OPTIONS,
    )
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(
        InventoryServicer(service, feed), admin
    )
    admin_health = _add_health_and_reflection(admin, INVENTORY_SERVICE)

    return NodeServer(
        alliance=alliance,
        admin=admin,
        alliance_address=_listen(alliance, alliance_address, add_port),
        admin_address=_listen(admin, admin_address, admin_add_port or add_port),
        feed=feed,
        alliance_health=alliance_health,
        admin_health=admin_health,
        sweeper=ExpirySweeper(service, feed, expiry_interval_s),
        reserve_batcher=reserve_batcher,
    )


def serve_until_signalled(
    server: NodeServer, on_ready: Callable[[NodeServer], None], grace_s: float = 5.0
) -> None:
    """Start, report readiness, run until SIGTERM or SIGINT, then shut down gracefully."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        on_ready(server)
        stop.wait()
    finally:
        server.stop(grace_s)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
