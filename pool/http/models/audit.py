"""Audit status model: the coordinator's log size and latest cosigned checkpoint."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditStatusPublic(BaseModel):
    log_size: int
    latest_checkpoint: str = Field(description="C2SP signed note text")
    cosigned_by: list[str]
    last_verified_at_ms: int | None
    last_verification_ok: bool | None


class HealthPublic(BaseModel):
    status: str
