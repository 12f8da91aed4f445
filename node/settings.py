"""A node's configuration: defaults, then `ALLIANCE_NODE_*` variables, then CLI flags."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class NodeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALLIANCE_NODE_", extra="ignore")

    # Relative paths are relative to the working directory the node is started in.
    database_url: str = "sqlite:///var/node.db"
    listen_address: str = "127.0.0.1:50051"
    # The admin port serves the supplier's own books: loopback unless deliberately opened.
    admin_address: str = "127.0.0.1:50061"
    audit_key_path: Path = Path("var/audit_ed25519.key")
    member_id: str = ""
    member_name: str = ""
    pool_fraction: Decimal = Field(default=Decimal("0.30"), ge=0, le=1)
    currency: str = "EUR"
    # Threads running the alliance port's synchronous calls (open watches hold one each);
    # Reserve callers wait as coroutines and need none.
    max_workers: int = Field(default=64, ge=1)
    # Database connections kept open (more are opened briefly under load, then closed). Many
    # nodes may share one PostgreSQL server, whose default max_connections is only 100.
    db_pool_size: int = Field(default=16, ge=1)
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    # The coordinator's audit log as a C2SP verifier key, `origin+keyid+base64(0x01 || key)`
    # (`alliance pool init` prints it): the node cosigns that log's checkpoints, and only
    # those. Empty: the node cosigns nothing.
    coordinator_vkey: str = ""
    # Over mutual TLS: the certificate roles that may call the alliance port (comma-separated
    # in the environment), and the alliance's list of revoked identities (default:
    # revoked.txt beside the CA certificate in --tls-dir), re-read when it changes.
    caller_roles: Annotated[tuple[str, ...], NoDecode] = ("coordinator",)
    deny_list_path: Path | None = None

    @field_validator("caller_roles", mode="before")
    @classmethod
    def _split_roles(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(role.strip() for role in value.split(",") if role.strip())
        return value
