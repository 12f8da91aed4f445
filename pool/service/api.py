"""The coordinator's use cases as its adapters (HTTP API, dashboard, CLI) see them.

Plain Python: no FastAPI, no SQLAlchemy, no protobuf. Quantities are integers in the part's
unit, money integer micro-units of `currency`, timestamps epoch milliseconds (`*_at_ms`).
Every read takes the `Principal` asking, because who sees what is an alliance rule:
a supplier sees its own numbers and the alliance totals, an automaker only what it is
entitled to (its demands and plans, and per-part free totals), operations staff everything.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Role(enum.Enum):
    OPERATOR = "operator"  # alliance operations staff
    SUPPLIER = "supplier"  # a member's own staff; subject = member id
    AUTOMAKER = "automaker"  # a tenant of the demand API; subject = tenant id


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str  # member id, tenant id, or operator name


class DemandStatus(enum.Enum):
    RECEIVED = "received"
    QUOTING = "quoting"
    PLANNING = "planning"
    RESERVING = "reserving"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"  # every planned allocation confirmed (shortages may remain)
    COMPENSATING = "compensating"  # releasing holds after a failure
    FAILED = "failed"  # nothing confirmed; every hold released


class AllocationState(enum.Enum):
    PLANNED = "planned"
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    REFUSED = "refused"  # the node refused or failed; re-planned around
    # Confirm was sent but no answer came back: never re-planned (that could ship twice);
    # settled when the node answers again.
    IN_DOUBT = "in_doubt"


# --- errors: the HTTP adapter maps each to one problem+json status -----------------------


class PoolError(Exception):
    """Base of every error a use case raises on purpose; the message is shown to the caller."""


class InvalidInput(PoolError):
    """422: the request is well-formed JSON but its content is wrong."""


class Unauthenticated(PoolError):
    """401: no or wrong credentials."""


class Forbidden(PoolError):
    """403: the principal may not see or do this."""


class NotFound(PoolError):
    """404."""


class IdempotencyConflict(PoolError):
    """409/422: an Idempotency-Key reused with a different body."""


class PreconditionFailed(PoolError):
    """409: valid, but the alliance's state refuses it (e.g. revoked member)."""


class RateLimited(PoolError):
    """429; retry_after_s says when to come back."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


# --- membership ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberIn:
    member_id: str
    name: str
    endpoint: str  # host:port of the node's alliance listener
    audit_public_key: bytes  # raw Ed25519, 32 bytes
    cert_identity: str = ""  # identity in the node's certificate; defaults to member_id


@dataclass(frozen=True)
class MemberView:
    member_id: str
    name: str
    endpoint: str
    audit_public_key: bytes
    active: bool
    registered_at_ms: int
    revoked_at_ms: int | None
    last_event_at_ms: int | None  # last pool-share event or heartbeat seen from the node
    last_sequence: int
    stale: bool  # silent for longer than the configured staleness


# --- pool view ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolCell:
    member_id: str
    part_number: str
    unit_of_measure: str
    contributed_quantity: int
    reserved_quantity: int
    free_quantity: int
    updated_at_ms: int
    stale: bool


@dataclass(frozen=True)
class PartPool:
    part_number: str
    unit_of_measure: str
    contributed_quantity: int  # alliance totals over fresh and stale members
    reserved_quantity: int
    free_quantity: int
    suppliers: tuple[PoolCell, ...]  # only the cells the principal may see


# --- tenants and demands ------------------------------------------------------------------


@dataclass(frozen=True)
class TenantIn:
    tenant_id: str
    name: str
    callback_url: str = ""  # webhooks go here when set
    requests_per_minute: int = 120


@dataclass(frozen=True)
class TenantCredentials:
    tenant_id: str
    api_key: str  # shown once; only a hash is stored
    webhook_secret: str  # shown once; signs the webhooks the tenant receives


@dataclass(frozen=True)
class DemandLineIn:
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    due_at_ms: int
    destination: str
    priority: int = 1
    allow_partial: bool = True
    allow_split: bool = True


@dataclass(frozen=True)
class DemandIn:
    lines: tuple[DemandLineIn, ...]
    reference: str = ""  # the automaker's own order reference


@dataclass(frozen=True)
class AllocationView:
    line_id: str
    member_id: str
    part_number: str
    quantity: int
    source: str  # "stock" | "production"
    ship_at_ms: int
    arrival_at_ms: int
    unit_price_micros: int
    landed_cost_micros: int
    currency: str
    reservation_id: str
    state: AllocationState
    explanation_en: str = ""
    explanation_zh: str = ""


@dataclass(frozen=True)
class ShortageView:
    line_id: str
    part_number: str
    quantity: int
    reason: str
    text_en: str
    text_zh: str


@dataclass(frozen=True)
class PlanView:
    plan_id: str
    demand_id: str
    revision: int  # 1, then +1 for each re-plan around a refusing node
    allocations: tuple[AllocationView, ...]
    shortages: tuple[ShortageView, ...]
    objective_micros: int
    bound_micros: int
    gap_ppm: int
    solver: str
    nodes_left_out: tuple[tuple[str, str], ...]  # (member id, why: deadline missed, stale, ...)
    timings_ms: dict[str, int] = field(
        default_factory=dict
    )  # quote, solve, reserve, confirm, total
    explanations: tuple[dict[str, object], ...] = ()  # candidate-level reasons, en + zh


@dataclass(frozen=True)
class DemandView:
    demand_id: str
    tenant_id: str
    reference: str
    status: DemandStatus
    lines: tuple[DemandLineIn, ...]
    created_at_ms: int
    updated_at_ms: int
    plan: PlanView | None
    failure: str = ""


# --- settlement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementLine:
    plan_id: str
    demand_id: str
    tenant_id: str
    member_id: str
    part_number: str
    quantity: int
    unit_price_micros: int
    amount_micros: int
    currency: str
    confirmed_at_ms: int


@dataclass(frozen=True)
class FairnessRow:
    member_id: str
    part_number: str
    contributed_quantity: int  # current pool share
    average_contributed_quantity: int  # pool share over the period, weighted by time
    drawn_quantity: int  # confirmed draws from this member's stock over the period
    contribution_share_ppm: int  # member's share of the part's contributions (time-weighted)
    draw_share_ppm: int  # member's share of the part's draws


@dataclass(frozen=True)
class NodeWitnessView:
    """How the coordinator witnesses one member's log."""

    member_id: str
    cosigned_size: int  # the member's checkpoint the coordinator last cosigned (0: none)
    cosigned_at_ms: int | None
    refusal: str  # why its latest refused checkpoint was refused ("": none since)
    refused_at_ms: int | None
    receipts_waiting: int  # receipts whose inclusion is still to be proven
    receipts_unproven: int  # receipts whose proof failed


@dataclass(frozen=True)
class AuditStatus:
    log_size: int
    latest_checkpoint: str  # signed note text
    cosigned_by: tuple[str, ...]  # the members who cosigned `cosigned_checkpoint`
    last_verified_at_ms: int | None
    last_verification_ok: bool | None
    cosigned_checkpoint: str = ""  # our largest checkpoint with cosignatures, with them
    cosigned_size: int | None = None
    last_verification_detail: str = ""
    nodes: tuple[NodeWitnessView, ...] = ()


class Coordinator(Protocol):
    """Every use case of the pool coordinator. One per process; thread-safe."""

    # membership (operators)
    def register_member(self, principal: Principal, member: MemberIn) -> MemberView: ...
    def revoke_member(self, principal: Principal, member_id: str) -> MemberView: ...
    def members(self, principal: Principal) -> list[MemberView]: ...
    def is_revoked(self, member_id: str) -> bool: ...

    # tenants (operators) and authentication
    def register_tenant(self, principal: Principal, tenant: TenantIn) -> TenantCredentials: ...
    def issue_api_key(self, principal: Principal, role: Role, subject: str) -> str:
        """An operator issues a key for an operator or a supplier (member); shown once."""

    def authenticate(self, api_key: str) -> Principal:
        """The principal behind a key (stored hashed). Raises Unauthenticated; applies the
        key holder's rate limit (RateLimited)."""

    # pool view
    def pool_view(
        self, principal: Principal, part_numbers: Sequence[str] = ()
    ) -> list[PartPool]: ...

    # urgent demand
    def submit_demand(
        self, principal: Principal, demand: DemandIn, idempotency_key: str
    ) -> tuple[DemandView, bool]:
        """Stores the demand and starts planning; (view, True) when it replays a stored one."""

    def get_demand(self, principal: Principal, demand_id: str) -> DemandView: ...
    def list_demands(self, principal: Principal, limit: int = 100) -> list[DemandView]: ...
    def wait_for_demand(
        self,
        principal: Principal,
        demand_id: str,
        statuses: Sequence[DemandStatus],
        timeout_s: float,
    ) -> DemandView: ...
    @property
    def waiting_readers(self) -> int:
        """Readers in wait_for_demand now (long polls)."""

    # settlement and fairness
    def settlement(self, principal: Principal, since_ms: int = 0) -> list[SettlementLine]: ...
    def fairness(
        self, principal: Principal, since_ms: int = 0, until_ms: int | None = None
    ) -> list[FairnessRow]: ...

    # audit
    def audit_status(self, principal: Principal) -> AuditStatus: ...
