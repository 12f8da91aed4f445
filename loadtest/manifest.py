"""What the invariant checker needs to find an alliance: `alliance.json` in its work directory.

A run writes it; for an alliance started by `pool/local_alliance.py` (demo, e2e: SQLite under
`nodes/` and `coordinator/`) it is derived from that layout, so the checker works on both.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from audit.ed25519 import Signer
from audit.keys import load_private_key

FILE = "alliance.json"


@dataclass(frozen=True)
class NodeEntry:
    member_id: str
    database_url: str
    audit_public_key: str  # hex, pinned when the node was created (never read from its DB)
    alliance_target: str = ""
    admin_target: str = ""


@dataclass(frozen=True)
class CoordinatorEntry:
    database_url: str
    audit_key_path: str
    base_url: str = ""
    operator_key: str = ""

    @property
    def audit_public_key(self) -> bytes:
        return Signer(load_private_key(Path(self.audit_key_path))).public_key


@dataclass
class Manifest:
    run_id: str
    coordinator: CoordinatorEntry
    nodes: list[NodeEntry]
    databases: list[str] = field(default_factory=list)  # PostgreSQL databases to drop
    stopped_at_ms: int | None = None  # when the nodes were stopped (their sweepers with them)

    def write(self, workdir: Path) -> Path:
        path = workdir / FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(
            run_id=data["run_id"],
            coordinator=CoordinatorEntry(**data["coordinator"]),
            nodes=[NodeEntry(**n) for n in data["nodes"]],
            databases=list(data.get("databases", [])),
            stopped_at_ms=data.get("stopped_at_ms"),
        )


def load(workdir: Path) -> Manifest:
    path = workdir / FILE
    if path.exists():
        return Manifest.from_json(json.loads(path.read_text()))
    return _local_alliance(workdir)


def _local_alliance(workdir: Path) -> Manifest:
    """The layout `pool.local_alliance.start_alliance` creates."""
    databases = sorted((workdir / "nodes").glob("*.db"))
    coordinator_db = workdir / "coordinator" / "pool.db"
    if not databases or not coordinator_db.exists():
        raise FileNotFoundError(f"{workdir} has neither {FILE} nor a local alliance's databases")
    nodes = [
        NodeEntry(
            member_id=db.stem,
            database_url=f"sqlite:///{db}",
            audit_public_key=Signer(load_private_key(db.with_suffix(".key"))).public_key.hex(),
        )
        for db in databases
    ]
    coordinator = CoordinatorEntry(
        database_url=f"sqlite:///{coordinator_db}",
        audit_key_path=str(workdir / "coordinator" / "audit_ed25519.key"),
    )
    return Manifest(run_id=workdir.name, coordinator=coordinator, nodes=nodes)
