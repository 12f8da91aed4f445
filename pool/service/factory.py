"""Creating, upgrading and opening the coordinator: the one place that wires it together."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from audit.ed25519 import Signer
from audit.keys import generate_keypair, load_private_key
from node.adapters.engine import node_engine
from pool.adapters.migrate import upgrade_to_head
from pool.adapters.node_client import ChannelFactory
from pool.adapters.webhook_sender import WebhookSender
from pool.domain.clock import Clock, SystemClock
from pool.service.audit_trail import AuditTrail
from pool.service.context import Context
from pool.service.coordinator import SqlCoordinator
from pool.service.execution import PlanExecutor
from pool.service.nodes import NodeDirectory
from pool.service.runtime import CoordinatorRuntime
from pool.service.webhooks import WebhookDispatcher
from pool.settings import PoolSettings
from pool.tls import TlsFiles


class PoolCoordinator(SqlCoordinator):
    """The `Coordinator` plus its background workers: `start()`, `stop()`, `close()`."""

    def __init__(
        self, ctx: Context, runtime: CoordinatorRuntime, closers: list, engine: Engine
    ) -> None:
        super().__init__(ctx)
        self.runtime = runtime
        self.executor = runtime.executor
        self._closers = closers
        self._engine = engine

    def drop_idle_connections(self) -> None:
        """Forget pooled connections: after a wait as a standby they may be from before a
        database restart, and the first use of each would fail."""
        self._engine.dispose()

    def start(self) -> None:
        self.resume_long_polls()
        self.runtime.start()

    def stop(self) -> None:
        self.end_long_polls()
        self.runtime.stop()

    def close(self) -> None:
        self.end_long_polls()
        self.runtime.stop()
        for close in self._closers:
            close()


def init_coordinator(settings: PoolSettings) -> bytes:
    """Migrate the database and create the audit key if missing; returns its public key."""
    from node.adapters.engine import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings.database_url)
    if not settings.audit_key_path.exists():
        settings.audit_key_path.parent.mkdir(parents=True, exist_ok=True)
        return generate_keypair(settings.audit_key_path)
    return Signer(load_private_key(settings.audit_key_path)).public_key


def coordinator_vkey(settings: PoolSettings) -> str:
    """The coordinator's audit log as a C2SP verifier key (origin and public key), the value
    nodes trust for cosigning (ALLIANCE_NODE_COORDINATOR_VKEY); initialises the coordinator
    (key included) when needed, so nodes can be configured before it first starts."""
    from audit.note import format_vkey

    return format_vkey(settings.audit_log_origin, init_coordinator(settings))


def open_coordinator(settings: PoolSettings, *, clock: Clock | None = None) -> PoolCoordinator:
    """Migrate, open and wire the coordinator; call `start()` to run its workers."""
    init_coordinator(settings)
    engine = node_engine(settings.database_url, pool_size=16, max_overflow=16)
    sessions = sessionmaker(engine, expire_on_commit=False)
    signer = Signer(load_private_key(settings.audit_key_path))
    trail = AuditTrail(settings.audit_log_origin, signer, settings.coordinator_id)
    trail.attach(sessions)
    with sessions.begin() as s:
        trail.create(s)
    ctx = Context(sessions, clock or SystemClock(), settings, trail)
    tls = (
        TlsFiles.in_directory(settings.tls_dir, settings.tls_name)
        if settings.tls_dir is not None
        else None
    )
    nodes = NodeDirectory(ChannelFactory(tls), settings.rpc_deadline_ms / 1000)
    calls = ThreadPoolExecutor(max_workers=32, thread_name_prefix="node-call")
    executor = PlanExecutor(ctx, nodes, calls)
    sender = WebhookSender(settings.webhook_timeout_s)
    runtime = CoordinatorRuntime(ctx, nodes, executor, WebhookDispatcher(ctx, sender))
    closers = [nodes.close, sender.close, lambda: calls.shutdown(wait=False), engine.dispose]
    return PoolCoordinator(ctx, runtime, closers, engine)
