"""Audit status model: the coordinator's log size and latest cosigned checkpoint."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NodeWitnessPublic(BaseModel):
    member_id: str
    cosigned_size: int = Field(description="size of the member's log last cosigned; 0: none")
    cosigned_at_ms: int | None
    refusal: str = Field(description="why the member's latest refused checkpoint was refused")
    refused_at_ms: int | None
    receipts_waiting: int = Field(description="receipts whose inclusion is not proven yet")
    receipts_unproven: int = Field(description="receipts whose inclusion proof failed")


class AuditStatusPublic(BaseModel):
    log_size: int
    latest_checkpoint: str = Field(description="C2SP signed note text")
    cosigned_by: list[str] = Field(description="members who cosigned cosigned_checkpoint")
    last_verified_at_ms: int | None
    last_verification_ok: bool | None
    cosigned_checkpoint: str = Field(
        description="the largest checkpoint of the coordinator's log that members cosigned, "
        "with their C2SP tlog-cosignature/v1 lines"
    )
    cosigned_size: int | None
    last_verification_detail: str
    nodes: list[NodeWitnessPublic] = Field(
        description="the coordinator's witnessing of each member's log (a supplier sees its own)"
    )


class HealthPublic(BaseModel):
    status: str
