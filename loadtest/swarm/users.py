"""The user classes of one run, configured from its SwarmConfig (counts, hosts, think times)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
from locust import User, between

from loadtest.swarm.automaker import AutomakerUser
from loadtest.swarm.node_users import ClerkUser, ReserverUser
from loadtest.swarm_config import SwarmConfig


def configure(config: SwarmConfig) -> list[type[User]]:
    """Concrete subclasses with fixed user counts: the same seed spawns the same users."""
    users = config.users
    credentials = grpc.ssl_channel_credentials(
        root_certificates=Path(config.tls["ca"]).read_bytes(),
        private_key=Path(config.tls["key"]).read_bytes(),
        certificate_chain=Path(config.tls["cert"]).read_bytes(),
    )
    observed = Path(config.observed_plans).open("a")  # noqa: SIM115 - open for the whole run
    classes = [
        _concrete(
            AutomakerUser,
            "Automaker",
            users["automakers"],
            users["automaker_wait_s"],
            config=config,
            host=config.coordinator_url,
            observed=observed,
        ),
        _concrete(
            ReserverUser,
            "AllianceCaller",
            users["reservers"],
            users["reserver_wait_s"],
            config=config,
            credentials=credentials,
        ),
        _concrete(
            ClerkUser, "SupplierClerk", users["clerks"], users["clerk_wait_s"], config=config
        ),
    ]
    return [c for c in classes if c.fixed_count]


def _concrete(
    base: type[User], name: str, count: int, wait_s: list[float], **attributes: Any
) -> type[User]:
    wait_time = between(wait_s[0], wait_s[1])
    attributes |= {"abstract": False, "fixed_count": count, "wait_time": wait_time}
    return type(name, (base,), attributes)
