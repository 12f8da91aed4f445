"""What the locust process is told: targets, credentials, catalogue, users and where to write.

Plain data in a JSON file: the locust side runs under gevent in its own process and imports
nothing of the orchestrator's.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class NodePart:
    part_number: str
    safety_stock: int
    unit_cost_micros: int


@dataclass(frozen=True)
class NodeTarget:
    member_id: str
    alliance_target: str  # mTLS NodeService, dialled directly (not through the fault proxy)
    admin_target: str  # plain-text InventoryService on loopback
    location_id: str
    parts: list[NodePart]


@dataclass(frozen=True)
class SwarmConfig:
    seed: int
    duration_s: float
    spawn_rate: float
    users: dict[str, Any]  # profiles.UserMix as a dict
    demand_lines: tuple[int, int]
    coordinator_url: str
    tenant_keys: dict[str, str]
    pooled: dict[str, int]  # part -> units pooled across the alliance at the start
    plants: list[str]
    nodes: list[NodeTarget]
    tls: dict[str, str]  # ca, cert, key file paths of the load test's client certificate
    out_dir: str
    observed_plans: str
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> SwarmConfig:
        data = json.loads(path.read_text())
        data["nodes"] = [
            NodeTarget(**{**n, "parts": [NodePart(**p) for p in n["parts"]]}) for n in data["nodes"]
        ]
        data["demand_lines"] = tuple(data["demand_lines"])
        return cls(**data)
