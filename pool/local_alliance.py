"""A whole alliance on one machine: CA, 12 supplier nodes as processes over mTLS, the coordinator
with its HTTP API and dashboard. Used by `alliance demo`, its end-to-end test and the bench."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from alliance.v1 import inventory_pb2_grpc

from audit.keys import generate_keypair
from node.launcher import NodeProcess, start_node
from node.service.factory import init_node, open_node
from pool import pki
from pool.demo_data import SEED, Books, OrderLine, alliance_books, load_books
from pool.http.routers.demands import MAX_WAIT_MS
from pool.service import api
from pool.service.factory import PoolCoordinator, coordinator_vkey, open_coordinator
from pool.settings import PoolSettings

OPS = api.Principal(api.Role.OPERATOR, "ops")
TENANT_ID = "OEM-WOB"
TENANT_NAME = "Volkswagen Wolfsburg (demo automaker)"
CLIENTS = ("oem-wob-client", "ops-console")  # client certificates the demo hands out
FINAL = ("confirmed", "failed")
Report = Callable[[str], None]


@dataclass
class LocalNode:
    books: Books
    database_url: str
    key_path: Path
    public_key: bytes
    process: NodeProcess

    @property
    def member_id(self) -> str:
        return self.books.supplier.member_id

    @contextmanager
    def admin(self) -> Iterator[inventory_pb2_grpc.InventoryServiceStub]:
        """The node's own InventoryService (its ERP side; plain text on loopback)."""
        with self.process.admin_channel() as channel:
            yield inventory_pb2_grpc.InventoryServiceStub(channel)


@dataclass
class LocalAlliance:
    workdir: Path
    pki_dir: Path
    settings: PoolSettings
    coordinator: PoolCoordinator
    nodes: dict[str, LocalNode]
    base_url: str
    tenant_key: str
    operator_key: str
    startup_s: dict[str, float] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def client(self, key: str | None = None, timeout_s: float = 30) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key or self.tenant_key}"},
            timeout=timeout_s,
        )

    def submit(
        self, client: httpx.Client, order: list[OrderLine], reference: str
    ) -> dict[str, Any]:
        """POST /v1/demands with an Idempotency-Key; returns the stored demand."""
        now_ms = int(time.time() * 1000)
        body = {
            "reference": reference,
            "lines": [
                {
                    "line_id": f"{i:02d}",
                    "part_number": line.part_number,
                    "quantity": line.quantity,
                    "unit_of_measure": "C62",
                    "due_at_ms": now_ms + line.due_in_h * 3_600_000,
                    "destination": line.destination,
                }
                for i, line in enumerate(order, start=1)
            ],
        }
        response = client.post(
            "/v1/demands", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        response.raise_for_status()
        return response.json()

    def wait_final(
        self, client: httpx.Client, demand_id: str, timeout_s: float = 30, poll_s: float = 0.02
    ) -> dict[str, Any]:
        """Long-poll GET /v1/demands/{id} until it is confirmed or failed; `poll_s` is the
        pause only when the coordinator answers without waiting (its long polls are taken)."""
        deadline = time.monotonic() + timeout_s
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            read_s = client.timeout.read
            answer_ms = MAX_WAIT_MS if read_s is None else int(read_s * 1000) - 1000
            wait_ms = max(0, min(left_ms, MAX_WAIT_MS, answer_ms))
            answer = client.get(f"/v1/demands/{demand_id}", params={"wait_ms": wait_ms})
            demand = answer.raise_for_status().json()
            if demand["status"] in FINAL:
                return demand
            if time.monotonic() > deadline:
                raise TimeoutError(f"demand {demand_id} still {demand['status']}")
            time.sleep(poll_s)

    def wait_for_pool(self, timeout_s: float = 30) -> list[api.PartPool]:
        """Until every node's pool shares reached the coordinator's view."""
        deadline = time.monotonic() + timeout_s
        while True:
            pools = self.coordinator.pool_view(OPS)
            seen = {c.member_id for p in pools for c in p.suppliers}
            if set(self.nodes) <= seen:
                return pools
            if time.monotonic() > deadline:
                raise TimeoutError(f"pool view has {sorted(seen)}, wanted {sorted(self.nodes)}")
            time.sleep(0.05)

    def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.coordinator.close()
        with ThreadPoolExecutor(max_workers=len(self.nodes) or 1) as pool:
            list(pool.map(lambda n: n.process.stop(), self.nodes.values()))


def quiet_logs() -> None:
    """Only the coordinator's warnings, as JSON on stderr: its info lines would drown a story
    told on the console (call before `start_alliance`)."""
    import logging
    import sys

    import structlog

    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def make_pki(
    pki_dir: Path,
    member_ids: list[str],
    clients: tuple[str, ...] = CLIENTS,
    callers: tuple[str, ...] = (),
) -> None:
    """`alliance pki init` and `issue` for every node, the coordinator, the clients and any
    further `callers` with the coordinator's role (the only role nodes answer)."""
    pki.write(pki_dir, "ca", pki.create_ca("Open Supplier Alliance (demo)"))
    ca = pki.read(pki_dir, "ca")
    for name, role in (
        [(m, "node") for m in member_ids]
        + [("coordinator", "coordinator")]
        + [(c, "coordinator") for c in callers]
        + [(c, "client") for c in clients]
    ):
        pki.write(pki_dir, name, pki.issue(ca, name, role))


def _seed_node(workdir: Path, books: Books) -> tuple[str, Path, bytes]:
    member_id = books.supplier.member_id
    url = f"sqlite:///{workdir / 'nodes' / f'{member_id}.db'}"
    key_path = workdir / "nodes" / f"{member_id}.key"
    return url, key_path, seed_node(books, url, key_path)


def seed_node(books: Books, url: str, key_path: Path) -> bytes:
    """Initialise a node database (any URL) with the member's books, logged under a new audit
    key at `key_path`; returns the key's public half."""
    member_id = books.supplier.member_id
    public_key = generate_keypair(key_path)
    init_node(
        url,
        member_id=member_id,
        member_name=books.supplier.name,
        audit_public_key=public_key,
        audit_log_origin=f"alliance.v1/node/{member_id}",
    )
    service = open_node(url, pool_size=1, audit_key_path=key_path)  # seeding is logged too
    try:
        load_books(service, books)
    finally:
        service.close()  # type: ignore[attr-defined]  # SqlNodeService; not in the Protocol
    return public_key


def _free_port(preferred: int) -> int:
    if preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    return 0


def _serve_http(coordinator: PoolCoordinator, settings: PoolSettings, port: int):  # noqa: ANN202
    from pool.http.app import create_app

    app = create_app(coordinator, settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the coordinator's HTTP server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{bound}"


def start_alliance(
    workdir: Path,
    *,
    http_port: int = 0,
    seed: int = SEED,
    report: Report = lambda _: None,
    settings_overrides: dict[str, Any] | None = None,
) -> LocalAlliance:
    """Create everything under `workdir` (which must be empty or absent) and start it."""
    started = time.perf_counter()
    phases: dict[str, float] = {}
    pki_dir = workdir / "pki"
    (workdir / "nodes").mkdir(parents=True, exist_ok=True)
    books = alliance_books(seed)
    make_pki(pki_dir, [b.supplier.member_id for b in books])
    phases["pki"] = time.perf_counter() - started
    report(f"certificate authority and {len(books) + 1 + len(CLIENTS)} certificates in {pki_dir}")

    settings = PoolSettings(
        database_url=f"sqlite:///{workdir / 'coordinator' / 'pool.db'}",
        tls_dir=pki_dir,
        tls_name="coordinator",
        audit_key_path=workdir / "coordinator" / "audit_ed25519.key",
        heartbeat_interval_s=1.0,
        quote_deadline_ms=3000,
        **(settings_overrides or {}),
    )
    # Nodes cosign the coordinator's checkpoints: they start knowing its log's key.
    node_env = {"ALLIANCE_NODE_COORDINATOR_VKEY": coordinator_vkey(settings)}

    # Seed each node's books here while the ones already seeded boot in their own processes.
    launching: dict[str, tuple[Books, str, Path, bytes, Future[NodeProcess]]] = {}
    launcher = ThreadPoolExecutor(max_workers=len(books), thread_name_prefix="node-start")
    try:
        for b in books:
            url, key_path, public_key = _seed_node(workdir, b)
            args = (
                "--key",
                str(key_path),
                "--tls-dir",
                str(pki_dir),
                "--tls-name",
                b.supplier.member_id,
            )
            launching[b.supplier.member_id] = (
                b,
                url,
                key_path,
                public_key,
                launcher.submit(start_node, url, extra_args=args, env=node_env),
            )
        phases["seed"] = time.perf_counter() - started
        report(f"{len(books)} supplier databases seeded; nodes starting over mTLS")
        nodes = {
            member_id: LocalNode(b, url, key_path, public_key, future.result(timeout=120))
            for member_id, (b, url, key_path, public_key, future) in launching.items()
        }
    except BaseException:
        for *_, future in launching.values():
            if future.done() and future.exception() is None:
                future.result().stop()
        raise
    finally:
        launcher.shutdown(wait=True)
    phases["nodes"] = time.perf_counter() - started
    report(f"{len(nodes)} nodes serving NodeService over mutual TLS")

    coordinator = open_coordinator(settings)
    try:
        for node in nodes.values():
            coordinator.register_member(
                OPS,
                api.MemberIn(
                    node.member_id,
                    node.books.supplier.name,
                    node.process.alliance_target,
                    node.public_key,
                ),
            )
        tenant = coordinator.register_tenant(
            OPS, api.TenantIn(TENANT_ID, TENANT_NAME, requests_per_minute=100_000)
        )
        operator_key = coordinator.issue_api_key(OPS, api.Role.OPERATOR, "ops")
        coordinator.start()
        server, thread, base_url = _serve_http(coordinator, settings, _free_port(http_port))
    except BaseException:
        coordinator.close()
        for node in nodes.values():
            node.process.stop()
        raise
    alliance = LocalAlliance(
        workdir,
        pki_dir,
        settings,
        coordinator,
        nodes,
        base_url,
        tenant.api_key,
        operator_key,
        phases,
        server,
        thread,
    )
    try:
        alliance.wait_for_pool()
    except BaseException:
        alliance.close()
        raise
    phases["pool view"] = time.perf_counter() - started
    report(f"coordinator at {base_url}: {len(nodes)} members, pool view complete")
    return alliance


@dataclass(frozen=True)
class AuditCheck:
    """One log exported from its database and verified offline, as `alliance audit export`
    and `alliance audit verify` do."""

    name: str
    origin: str
    entries: int
    ok: bool | None  # None: the database holds no audit log
    detail: str


def audit_databases(alliance: LocalAlliance) -> list[tuple[str, str, bytes]]:
    """(name, database URL, the log's public key) for the coordinator and every node."""
    from audit.ed25519 import Signer
    from audit.keys import load_private_key

    coordinator_key = Signer(load_private_key(alliance.settings.audit_key_path)).public_key
    return [("coordinator", alliance.settings.database_url, coordinator_key)] + [
        (n.member_id, n.database_url, n.public_key) for n in alliance.nodes.values()
    ]


def verify_audit_log(name: str, database_url: str, log_key: bytes, out_dir: Path) -> AuditCheck:
    """Export the log to `out_dir/NAME.audit.jsonl` and verify the file against its pinned key."""
    import sqlalchemy as sa

    from audit.export import export_to_file
    from audit.store import AuditStoreError, LogReader
    from audit.verify import TrustedKey, VerificationError, verify_export

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.audit.jsonl"
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            try:
                origins = LogReader.origins(conn)
            except sa.exc.OperationalError:  # no audit tables at all
                origins = []
            if not origins:
                return AuditCheck(name, "", 0, None, "no audit log in this database")
            header = export_to_file(conn, LogReader(origins[0]), path)
    except (AuditStoreError, sa.exc.SQLAlchemyError) as exc:
        return AuditCheck(name, "", 0, False, f"export failed: {exc}")
    finally:
        engine.dispose()
    try:
        verified = verify_export(path, [TrustedKey(log_key)], None, workers=1)
    except (VerificationError, OSError) as exc:
        return AuditCheck(name, header.origin, header.tree_size, False, str(exc))
    witnesses = ", ".join(verified.witnesses) or "no witness"
    return AuditCheck(
        name,
        verified.origin,
        verified.tree_size,
        True,
        f"root matches the signed checkpoint; cosigned by {witnesses}",
    )


def verify_audit_logs(alliance: LocalAlliance, out_dir: Path) -> list[AuditCheck]:
    alliance.coordinator.audit_status(OPS)  # signs a checkpoint over everything logged so far
    return [verify_audit_log(*db, out_dir) for db in audit_databases(alliance)]
