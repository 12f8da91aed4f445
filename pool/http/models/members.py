"""Member models: the alliance's registered supplier nodes and their liveness."""

from __future__ import annotations

from pydantic import BaseModel, Field

from pool.service import api


class MemberPublic(BaseModel):
    member_id: str
    name: str
    endpoint: str
    audit_public_key_hex: str = Field(description="raw Ed25519 public key, hex")
    active: bool
    registered_at_ms: int
    revoked_at_ms: int | None
    last_event_at_ms: int | None
    last_sequence: int
    stale: bool

    @classmethod
    def from_view(cls, member: api.MemberView) -> MemberPublic:
        return cls(
            member_id=member.member_id,
            name=member.name,
            endpoint=member.endpoint,
            audit_public_key_hex=member.audit_public_key.hex(),
            active=member.active,
            registered_at_ms=member.registered_at_ms,
            revoked_at_ms=member.revoked_at_ms,
            last_event_at_ms=member.last_event_at_ms,
            last_sequence=member.last_sequence,
            stale=member.stale,
        )


class MembersPublic(BaseModel):
    data: list[MemberPublic]
    count: int
