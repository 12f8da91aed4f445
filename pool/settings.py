"""The coordinator's configuration: defaults, then `ALLIANCE_POOL_*` variables, then CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PoolSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALLIANCE_POOL_", extra="ignore")

    # Relative paths are relative to the working directory the coordinator is started in.
    database_url: str = "sqlite:///var/pool.db"
    # Holds ca.crt and the coordinator's key and certificate (`alliance pki issue coordinator`).
    tls_dir: Path | None = Path("var/pki")
    tls_name: str = "coordinator"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # The coordinator's own audit log.
    audit_key_path: Path = Path("var/pool_audit_ed25519.key")
    audit_log_origin: str = "alliance.v1/coordinator"
    coordinator_id: str = "coordinator"
    # Keys are hashed with HMAC-SHA256 under this secret; set it in production.
    api_key_secret: str = "dev-only-change-me"
    staleness_s: float = Field(default=30.0, gt=0)
    heartbeat_interval_s: float = Field(default=5.0, gt=0)
    quote_deadline_ms: int = Field(default=1500, ge=1)
    rpc_deadline_ms: int = Field(default=5000, ge=1)
    reservation_ttl_s: int = Field(default=300, ge=1)
    max_revisions: int = Field(default=3, ge=1)
    solver_time_limit_ms: int = Field(default=2000, ge=1)
    planning_workers: int = Field(default=4, ge=1)
    # Long polls (GET /v1/demands/{id}?wait_ms=) each hold an HTTP worker thread; past this
    # many at once a reader gets the demand as it is and polls again.
    max_long_polls: int = Field(default=16, ge=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_retry_base_s: float = Field(default=0.5, gt=0)
    webhook_poll_interval_s: float = Field(default=0.5, gt=0)
    # Cross-cosigning with the nodes (their checkpoints, receipt proofs, ours): at start, then
    # every so often.
    witness_interval_s: float = Field(default=2.0, gt=0)
    # Offline verification of the coordinator's own log: at start, then every so often.
    audit_verify_interval_s: float = Field(default=60.0, gt=0)
