"""The coordinator's tables (SQLAlchemy 2.0 declarative); quantities and money are integers."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from audit.schema import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Member(Base):
    __tablename__ = "pool_member"

    member_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    endpoint: Mapped[str] = mapped_column(String(400))
    cert_identity: Mapped[str] = mapped_column(String(200))
    audit_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_event_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger, default=0)


class Cell(Base):
    """The latest pool share one member reported for one part."""

    __tablename__ = "pool_cell"
    __table_args__ = (
        CheckConstraint("contributed_quantity >= 0", name="contributed_not_negative"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_not_negative"),
    )

    member_id: Mapped[str] = mapped_column(ForeignKey("pool_member.member_id"), primary_key=True)
    part_number: Mapped[str] = mapped_column(String(200), primary_key=True)
    unit_of_measure: Mapped[str] = mapped_column(String(8))
    contributed_quantity: Mapped[int] = mapped_column(BigInteger)
    reserved_quantity: Mapped[int] = mapped_column(BigInteger)
    free_quantity: Mapped[int] = mapped_column(BigInteger)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class Contribution(Base):
    """Each change of a member's pool share of a part as the live view received it: the
    history that fairness over a period is measured on."""

    __tablename__ = "pool_contribution"
    __table_args__ = (
        CheckConstraint("contributed_quantity >= 0", name="contributed_not_negative"),
        Index("ix_pool_contribution_member_part_at", "member_id", "part_number", "at_ms"),
    )

    contribution_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(String(200))
    part_number: Mapped[str] = mapped_column(String(200))
    at_ms: Mapped[int] = mapped_column(BigInteger)
    contributed_quantity: Mapped[int] = mapped_column(BigInteger)


class Tenant(Base):
    __tablename__ = "pool_tenant"

    tenant_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    callback_url: Mapped[str] = mapped_column(String(2000), default="")
    requests_per_minute: Mapped[int] = mapped_column(Integer)
    # Kept in the clear: the coordinator must sign with it (it authenticates us, not them).
    webhook_secret: Mapped[str] = mapped_column(String(200))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class ApiKey(Base):
    __tablename__ = "pool_api_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    requests_per_minute: Mapped[int] = mapped_column(Integer)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Demand(Base):
    __tablename__ = "pool_demand"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_pool_demand_idempotency"),
        Index("ix_pool_demand_status", "status"),
    )

    demand_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    lines_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    failure: Mapped[str] = mapped_column(Text, default="")
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class Plan(Base):
    """One plan per demand; `revision` grows with each re-plan around refusing nodes."""

    __tablename__ = "pool_plan"

    plan_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    demand_id: Mapped[str] = mapped_column(ForeignKey("pool_demand.demand_id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    objective_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    bound_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    gap_ppm: Mapped[int] = mapped_column(BigInteger, default=0)
    solver: Mapped[str] = mapped_column(String(40), default="")
    shortages_json: Mapped[str] = mapped_column(Text, default="[]")
    left_out_json: Mapped[str] = mapped_column(Text, default="[]")
    excluded_json: Mapped[str] = mapped_column(Text, default="[]")
    timings_json: Mapped[str] = mapped_column(Text, default="{}")
    explanations_json: Mapped[str] = mapped_column(Text, default="[]")
    decided_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    confirmed_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Reservation(Base):
    """One hold on one node for one plan revision; its id is derived, never random."""

    __tablename__ = "pool_reservation"
    __table_args__ = (Index("ix_pool_reservation_state", "state"),)

    reservation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("pool_plan.plan_id"))
    demand_id: Mapped[str] = mapped_column(String(36))
    revision: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[str] = mapped_column(ForeignKey("pool_member.member_id"))
    # planned | reserved | confirmed | released | refused | release_pending
    state: Mapped[str] = mapped_column(String(20))
    sales_order_number: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    confirmed_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class Allocation(Base):
    __tablename__ = "pool_allocation"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    allocation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("pool_plan.plan_id"), index=True)
    reservation_id: Mapped[str] = mapped_column(ForeignKey("pool_reservation.reservation_id"))
    line_id: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[str] = mapped_column(String(200))
    part_number: Mapped[str] = mapped_column(String(200))
    unit_of_measure: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20))
    ship_at_ms: Mapped[int] = mapped_column(BigInteger)
    arrival_at_ms: Mapped[int] = mapped_column(BigInteger)
    due_at_ms: Mapped[int] = mapped_column(BigInteger)
    destination: Mapped[str] = mapped_column(String(200))
    unit_price_micros: Mapped[int] = mapped_column(BigInteger)
    landed_cost_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    explanation_zh: Mapped[str] = mapped_column(Text, default="")


class WebhookDelivery(Base):
    """Transactional outbox: written with the state change, sent after commit."""

    __tablename__ = "pool_webhook_outbox"

    delivery_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(200))
    demand_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    delivered_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NodeCheckpoint(Base):
    """A node's signed checkpoint the coordinator has seen and, once checked, cosigned."""

    __tablename__ = "pool_node_checkpoint"

    member_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    cosigned_note: Mapped[str] = mapped_column(Text, default="")
    seen_at_ms: Mapped[int] = mapped_column(BigInteger)


class AuditVerification(Base):
    __tablename__ = "pool_audit_verification"

    verification_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    verified_at_ms: Mapped[int] = mapped_column(BigInteger)
    log_size: Mapped[int] = mapped_column(BigInteger)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")


class ReceiptProof(Base):
    """A node receipt whose entry is still to be proven included in the node's log (or was).

    Proofs cost a round trip each, so they are fetched in the background, not on the
    reserve/confirm path; this row keeps the duty across restarts."""

    __tablename__ = "pool_receipt_proof"
    __table_args__ = (Index("ix_pool_receipt_proof_open", "member_id", "proven_at_ms"),)

    member_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)  # 0: the receipt carried none
    reservation_id: Mapped[str] = mapped_column(String(36))
    received_at_ms: Mapped[int] = mapped_column(BigInteger)
    proven_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    failure: Mapped[str] = mapped_column(Text, default="")


class NodeWitness(Base):
    """How the coordinator witnesses one member's log: the origin it pinned at first sight,
    the last size it cosigned, and the last checkpoint it refused (a fork, a rewrite)."""

    __tablename__ = "pool_node_witness"

    member_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    origin: Mapped[str] = mapped_column(String(255))
    cosigned_size: Mapped[int] = mapped_column(BigInteger, default=0)
    cosigned_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    refused_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    refusal: Mapped[str] = mapped_column(Text, default="")
    refused_note: Mapped[str] = mapped_column(Text, default="")
