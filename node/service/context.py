"""Who the node is, as every use case needs it (loaded once when the node opens)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class NodeContext:
    member_id: str
    member_name: str
    pool_fraction: Decimal
    currency: str
    audit_public_key: bytes
    audit_log_origin: str
    dictionary_version: str


ALLIANCE_ACTOR = "alliance"  # reservations arrive from the alliance coordinator
SWEEPER_ACTOR = "system:expiry"
