"""A real coordinator with real supplier nodes for the HTTP edge's tests (no mocks)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from audit.keys import load_public_key_bytes
from node.launcher import NodeProcess, run_cli, start_node
from pool.service import api
from pool.service.factory import PoolCoordinator, open_coordinator
from pool.settings import PoolSettings

OPS = api.Principal(api.Role.OPERATOR, "ops")
SAMPLE_PART = "BRK-PAD-F-0451"  # pooled by every sample node


@dataclass
class Alliance:
    coordinator: PoolCoordinator
    settings: PoolSettings
    workdir: Path
    nodes: dict[str, NodeProcess] = field(default_factory=dict)
    operator_key: str = ""
    tenant_keys: dict[str, str] = field(default_factory=dict)
    supplier_keys: dict[str, str] = field(default_factory=dict)

    def add_tenant(self, tenant_id: str, requests_per_minute: int = 100_000) -> str:
        creds = self.coordinator.register_tenant(
            OPS,
            api.TenantIn(
                tenant_id, f"Automaker {tenant_id}", requests_per_minute=requests_per_minute
            ),
        )
        self.tenant_keys[tenant_id] = creds.api_key
        return creds.api_key

    def add_node(self, member_id: str) -> NodeProcess:
        """`alliance node init --sample` + `serve` as a process, registered as a member."""
        db = f"sqlite:///{self.workdir / member_id}.db"
        key = self.workdir / f"{member_id}.key"
        run_cli(
            "node",
            "init",
            "--db",
            db,
            "--member-id",
            member_id,
            "--name",
            f"Supplier {member_id}",
            "--key",
            str(key),
            "--sample",
        )
        node = start_node(db, extra_args=("--key", str(key)))
        self.nodes[member_id] = node
        self.coordinator.register_member(
            OPS,
            api.MemberIn(
                member_id, f"Supplier {member_id}", node.alliance_target, load_public_key_bytes(key)
            ),
        )
        self.supplier_keys[member_id] = self.coordinator.issue_api_key(
            OPS, api.Role.SUPPLIER, member_id
        )
        return node

    def wait_for_pool(self, member_ids: set[str], timeout_s: float = 30) -> list[api.PartPool]:
        """Until every member's pool shares reached the coordinator's view."""
        deadline = time.monotonic() + timeout_s
        while True:
            pools = self.coordinator.pool_view(OPS)
            seen = {c.member_id for p in pools for c in p.suppliers}
            if member_ids <= seen:
                return pools
            if time.monotonic() > deadline:
                raise TimeoutError(f"pool view has {sorted(seen)}, wanted {sorted(member_ids)}")
            time.sleep(0.05)

    def close(self) -> None:
        for node in self.nodes.values():
            node.stop()
        self.coordinator.close()


def open_alliance(workdir: Path) -> Alliance:
    settings = PoolSettings(
        database_url=f"sqlite:///{workdir / 'pool.db'}",
        tls_dir=None,
        audit_key_path=workdir / "pool_audit.key",
        staleness_s=30,
        quote_deadline_ms=3000,
    )
    coordinator = open_coordinator(settings)
    coordinator.start()
    alliance = Alliance(coordinator, settings, workdir)
    alliance.operator_key = coordinator.issue_api_key(OPS, api.Role.OPERATOR, "ops")
    return alliance


def demand_line(**overrides: object) -> dict[str, object]:
    line: dict[str, object] = {
        "part_number": SAMPLE_PART,
        "quantity": 5,
        "unit_of_measure": "C62",
        "due_at_ms": int(time.time() * 1000) + 3 * 86_400_000,
        "destination": "DEWOB",
    }
    line.update(overrides)
    return line


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
