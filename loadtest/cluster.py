"""The alliance under test, as real processes: 12 nodes on PostgreSQL over mTLS, each behind a
proxy the test controls, and the coordinator (`alliance pool serve`) as two processes of its
own on one database: the active one and a hot standby.

Built from `pool.local_alliance`'s pieces (certificates, seeded books); what differs is what a
fault test needs: every database on PostgreSQL, a coordinator that can be killed, and nodes
that come back on the same ports after a kill -9.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from loadtest import postgres
from loadtest.manifest import CoordinatorEntry, Manifest, NodeEntry
from loadtest.proxy import Mode, ProxyFleet
from node.adapters.engine import libpq_url
from node.launcher import NodeProcess, start_node
from pool.adapters.leader import leader_pid
from pool.demo_data import Books, alliance_books
from pool.launcher import CoordinatorProcess, free_port
from pool.local_alliance import OPS, make_pki, seed_node
from pool.service import api
from pool.service.factory import coordinator_vkey, open_coordinator
from pool.settings import PoolSettings

# The certificate the simulated alliance callers present to the nodes: they stand in for the
# coordinator, the only role a node answers over mutual TLS.
LOADTEST_CLIENT = "loadtest"
TENANTS = {
    "OEM-WOB": "Volkswagen Wolfsburg",
    "OEM-MUC": "BMW Munich",
    "OEM-SHA": "SAIC Shanghai",
    "OEM-DET": "Ford Detroit",
}
Say = Callable[[str], None]
RESTART_ATTEMPTS = 5


@dataclass
class NodeRun:
    books: Books
    database_url: str
    key_path: Path
    public_key: bytes
    process: NodeProcess
    proxy_target: str  # what the coordinator dials

    @property
    def member_id(self) -> str:
        return self.books.supplier.member_id


@dataclass
class Cluster:
    workdir: Path
    run_id: str
    databases: list[str]
    nodes: dict[str, NodeRun]
    proxies: ProxyFleet
    # Two `pool serve` processes on the coordinator's database: one active, one hot standby.
    coordinators: list[CoordinatorProcess]
    tenant_keys: dict[str, str]
    operator_key: str
    node_env: dict[str, str] = field(default_factory=dict)

    @property
    def pki_dir(self) -> Path:
        return self.workdir / "pki"

    @property
    def coordinator(self) -> CoordinatorProcess:
        """The active coordinator (the one holding the leader lease), else the first."""
        pid = self._leader_pid()
        return next((c for c in self.coordinators if c.pid == pid), self.coordinators[0])

    def _leader_pid(self) -> int | None:
        url = libpq_url(self.coordinators[0].settings.database_url)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                return leader_pid(conn)
        except psycopg.OperationalError:
            return None

    # --- faults ------------------------------------------------------------------------------

    def kill_node(self, member_id: str) -> None:
        self.nodes[member_id].process.kill()

    def restart_node(self, member_id: str) -> None:
        """On the ports it had: the proxy and the simulated clients keep their addresses."""
        node = self.nodes[member_id]
        node.process.stop()  # a no-op after kill -9; a clean stop otherwise
        ports = (
            "--port",
            _port(node.process.alliance_target),
            "--admin-port",
            _port(node.process.admin_target),
        )
        for attempt in _supervised():
            with attempt:
                node.process = start_node(
                    node.database_url, extra_args=_node_args(self, node) + ports, env=self.node_env
                )

    def set_link(self, member_id: str, mode: Mode, delay_ms: int = 0) -> None:
        self.proxies.set_mode(member_id, mode, delay_ms)

    def kill_coordinator(self) -> None:
        """SIGKILL the active coordinator; the standby takes over."""
        self.coordinator.kill()

    def restart_coordinator(self) -> None:
        """Start every coordinator process that is down again, as a standby."""
        for process in self.coordinators:
            if not process.alive():
                for attempt in _supervised():
                    with attempt:
                        process.start(standby=True)

    def restart_postgres(self) -> None:
        postgres.restart_cluster()
        # The active coordinator lost its lease with the server and stopped; the standby
        # holds it now. The stopped one comes back as the next standby.
        self.restart_coordinator()

    # --- life cycle --------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        settings = self.coordinator.settings
        return Manifest(
            run_id=self.run_id,
            databases=self.databases,
            coordinator=CoordinatorEntry(
                database_url=settings.database_url,
                audit_key_path=str(settings.audit_key_path),
                base_url=self.coordinator.base_url,
                operator_key=self.operator_key,
            ),
            nodes=[
                NodeEntry(
                    member_id=n.member_id,
                    database_url=n.database_url,
                    audit_public_key=n.public_key.hex(),
                    alliance_target=n.process.alliance_target,
                    admin_target=n.process.admin_target,
                )
                for n in self.nodes.values()
            ],
        )

    def stop(self) -> None:
        for process in self.coordinators:
            process.stop()
        with ThreadPoolExecutor(max_workers=len(self.nodes) or 1) as pool:
            list(pool.map(lambda n: n.process.stop(), self.nodes.values()))
        self.proxies.close()


def launch(workdir: Path, run_id: str, say: Say, node_env: dict[str, str]) -> Cluster:
    """Create every database afresh, seed and start everything; the caller stops it."""
    books = alliance_books()
    members = [b.supplier.member_id for b in books]
    *node_names, pool_name = database_names(run_id, members)
    names = dict(zip(members, node_names, strict=True))
    urls = postgres.create_databases([*names.values(), pool_name])
    say(f"{len(urls)} PostgreSQL databases {postgres.PREFIX}{run_id}_*")
    make_pki(workdir / "pki", members, clients=(), callers=(LOADTEST_CLIENT,))
    settings = _coordinator_settings(workdir, urls[pool_name])
    # Nodes cosign the coordinator's checkpoints: they start knowing its log's key.
    node_env = {**node_env, "ALLIANCE_NODE_COORDINATOR_VKEY": coordinator_vkey(settings)}
    nodes = _start_nodes(workdir, books, {m: urls[n] for m, n in names.items()}, node_env)
    say(f"{len(nodes)} nodes seeded and serving over mTLS")
    cluster = Cluster(
        workdir,
        run_id,
        [*names.values(), pool_name],
        nodes,
        ProxyFleet(),
        [
            CoordinatorProcess(settings, workdir / f"coordinator-{slot}.log", workdir)
            for slot in ("a", "b")
        ],
        {},
        "",
        node_env,
    )
    try:
        for node in nodes.values():
            node.proxy_target = cluster.proxies.add(node.member_id, node.process.alliance_target)
        cluster.tenant_keys, cluster.operator_key = _register(settings, nodes)
        cluster.coordinators[0].start()
        cluster.coordinators[1].start(standby=True)
        wait_for_pool(cluster)
    except BaseException:
        cluster.stop()
        raise
    say(
        f"coordinator process at {cluster.coordinator.base_url} with a hot standby; "
        "pool view complete"
    )
    return cluster


def _supervised() -> Retrying:
    """Restart as a process supervisor would (systemd Restart=on-failure): a process that
    cannot come up at once, e.g. while PostgreSQL refuses connections, gets more tries."""
    return Retrying(
        retry=retry_if_exception_type((RuntimeError, TimeoutError)),
        stop=stop_after_attempt(RESTART_ATTEMPTS),
        wait=wait_fixed(2),
        reraise=True,
    )


def database_names(run_id: str, members: list[str]) -> list[str]:
    """One database per node, then the coordinator's."""
    return [f"{postgres.PREFIX}{run_id}_{m.lower()}" for m in members] + [
        f"{postgres.PREFIX}{run_id}_pool"
    ]


def _node_args(cluster: Cluster, node: NodeRun) -> tuple[str, ...]:
    return _tls_args(cluster.pki_dir, node.key_path, node.member_id)


def _tls_args(pki_dir: Path, key_path: Path, member_id: str) -> tuple[str, ...]:
    return ("--key", str(key_path), "--tls-dir", str(pki_dir), "--tls-name", member_id)


def _port(target: str) -> str:
    return target.rsplit(":", 1)[1]


def _start_nodes(
    workdir: Path, books: list[Books], urls: dict[str, str], env: dict[str, str]
) -> dict[str, NodeRun]:
    """Seed each database here while the nodes already seeded boot in their own processes."""
    (workdir / "nodes").mkdir(parents=True, exist_ok=True)
    started: dict[str, NodeRun] = {}
    with ThreadPoolExecutor(max_workers=len(books), thread_name_prefix="node-start") as pool:
        futures: dict[str, tuple[Path, bytes, Future[NodeProcess]]] = {}
        try:
            for b in books:
                member_id = b.supplier.member_id
                key_path = workdir / "nodes" / f"{member_id}.key"
                public_key = seed_node(b, urls[member_id], key_path)
                args = _tls_args(workdir / "pki", key_path, member_id)
                process = pool.submit(start_node, urls[member_id], extra_args=args, env=env)
                futures[member_id] = (key_path, public_key, process)
            for b in books:
                key_path, public_key, future = futures[b.supplier.member_id]
                started[b.supplier.member_id] = NodeRun(
                    b, urls[b.supplier.member_id], key_path, public_key, future.result(120), ""
                )
        except BaseException:
            for *_, future in futures.values():
                if future.done() and future.exception() is None:
                    future.result().stop()
                else:
                    future.add_done_callback(lambda f: f.exception() or f.result().stop())
            raise
    return started


def _coordinator_settings(workdir: Path, database_url: str) -> PoolSettings:
    return PoolSettings(
        database_url=database_url,
        tls_dir=workdir / "pki",
        tls_name="coordinator",
        http_port=free_port(),
        audit_key_path=workdir / "coordinator_audit.key",
        api_key_secret=secrets.token_hex(16),
        # As pool/local_alliance.py runs it (demo, e2e, bench): comparable figures.
        heartbeat_interval_s=1.0,
        quote_deadline_ms=3000,
    )


def _register(settings: PoolSettings, nodes: dict[str, NodeRun]) -> tuple[dict[str, str], str]:
    """Members (dialled through their proxies), automakers and an operator key, written
    before the coordinator process starts."""
    coordinator = open_coordinator(settings)
    try:
        for node in nodes.values():
            coordinator.register_member(
                OPS,
                api.MemberIn(
                    node.member_id, node.books.supplier.name, node.proxy_target, node.public_key
                ),
            )
        keys = {
            tenant_id: coordinator.register_tenant(
                OPS, api.TenantIn(tenant_id, name, requests_per_minute=100_000)
            ).api_key
            for tenant_id, name in TENANTS.items()
        }
        return keys, coordinator.issue_api_key(OPS, api.Role.OPERATOR, "loadtest")
    finally:
        coordinator.close()


def wait_for_pool(cluster: Cluster, timeout_s: float = 60) -> None:
    """Until every member's pool shares reached the coordinator's view."""
    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {cluster.operator_key}"}
    while True:
        seen: set[str] = set()
        try:
            pools = httpx.get(
                f"{cluster.coordinator.base_url}/v1/pool", headers=headers, timeout=10
            ).json()["data"]
            seen = {s["member_id"] for p in pools for s in p.get("suppliers", [])}
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        if set(cluster.nodes) <= seen:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"pool view has {sorted(seen)}, wanted {sorted(cluster.nodes)}")
        time.sleep(0.2)
