"""The node's tables (SQLAlchemy 2.0 declarative). Alembic revisions create exactly these."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite makes only INTEGER PRIMARY KEY an auto-incrementing rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")

CODE = 64  # part numbers, lot numbers, location ids, document numbers
STATES = "'pending', 'confirmed', 'released', 'expired'"
QUALITY = "'released', 'quarantine', 'blocked'"
MOVEMENTS = "'purchase_receipt', 'sales_issue', 'transfer', 'adjustment', 'count_correction'"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, typed as one (`__table__` is typed as any FROM clause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class NodeIdentity(Base):
    __tablename__ = "node_identity"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(CODE))
    member_name: Mapped[str] = mapped_column(String(256))
    pool_fraction: Mapped[str] = mapped_column(String(16))  # decimal text: exact on SQLite too
    currency: Mapped[str] = mapped_column(String(3))
    audit_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    audit_log_origin: Mapped[str] = mapped_column(String(256))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class OutboxCounter(Base):
    """One row; updated as the last statement of every writing transaction (commit order)."""

    __tablename__ = "outbox_counter"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_type_sequence", "event_type", "sequence"),
        Index("ix_outbox_event_part_sequence", "part_number", "sequence"),
    )

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_type: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String(128))
    part_number: Mapped[str | None] = mapped_column(String(CODE))
    occurred_at_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(256))
    payload: Mapped[str] = mapped_column(Text)  # compact JSON, keys sorted


class ReservationReceipt(Base):
    """Where each reservation state's signed statement sits in the node's audit log, so an
    idempotent retry answers with the original receipt instead of appending again."""

    __tablename__ = "reservation_receipt"

    reservation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger)
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)  # 0: no checkpoint yet


class Site(Base):
    __tablename__ = "site"

    site_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)


class Warehouse(Base):
    __tablename__ = "warehouse"

    warehouse_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.site_id"))


class Location(Base):
    __tablename__ = "location"

    location_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouse.warehouse_id"))


class Part(Base):
    __tablename__ = "part"
    __table_args__ = (
        CheckConstraint("valuated_quantity >= 0", name="valuated_quantity_non_negative"),
        CheckConstraint("list_price_micros >= 0", name="list_price_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    part_number: Mapped[str] = mapped_column(String(CODE), unique=True)
    description: Mapped[str] = mapped_column(String(256))
    unit_of_measure: Mapped[str] = mapped_column(String(3))
    lot_tracked: Mapped[bool] = mapped_column(Boolean)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(14))
    list_price_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # Moving-average valuation (node/domain/costing.py).
    valuated_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    stock_value_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    moving_average_cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class PartAlias(Base):
    __tablename__ = "part_alias"

    alias: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)


class PartPool(Base):
    """A part's pool policy and its published pool share; locked to serialize a part's changes."""

    __tablename__ = "part_pool"
    __table_args__ = (
        CheckConstraint("safety_stock_quantity >= 0", name="safety_stock_non_negative"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_non_negative"),
        CheckConstraint("production_reserved_quantity >= 0", name="production_non_negative"),
        CheckConstraint("contributed_quantity >= 0", name="contributed_non_negative"),
        CheckConstraint("free_quantity >= 0", name="free_non_negative"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), primary_key=True)
    safety_stock_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    safety_stock_explanation: Mapped[str] = mapped_column(Text, default="")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    reserved_quantity: Mapped[int] = mapped_column(BigInteger, default=0)  # pending stock holds
    production_reserved_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    # Earliest expiry of any pending hold on the part (a lower bound: may be stale-early).
    next_hold_expiry_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    pool_fraction: Mapped[str] = mapped_column(String(16), default="0")
    contributed_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    free_quantity: Mapped[int] = mapped_column(BigInteger, default=0)
    published: Mapped[str] = mapped_column(String(200), default="")
    as_of_date: Mapped[date | None] = mapped_column(Date)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class Capacity(Base):
    __tablename__ = "capacity"
    __table_args__ = (
        CheckConstraint("capacity_per_day >= 0", name="capacity_non_negative"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),
        CheckConstraint("unit_price_micros >= 0", name="price_non_negative"),
    )

    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), primary_key=True)
    capacity_per_day: Mapped[int] = mapped_column(BigInteger)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    unit_price_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class ShippingLane(Base):
    __tablename__ = "shipping_lane"
    __table_args__ = (
        CheckConstraint("shipping_cost_per_unit_micros >= 0", name="unit_cost_non_negative"),
        CheckConstraint("shipment_fixed_cost_micros >= 0", name="fixed_cost_non_negative"),
        CheckConstraint("transit_time_hours >= 0", name="transit_non_negative"),
    )

    destination: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    shipping_cost_per_unit_micros: Mapped[int] = mapped_column(BigInteger)
    shipment_fixed_cost_micros: Mapped[int] = mapped_column(BigInteger)
    transit_time_hours: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class Lot(Base):
    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("part_id", "lot_number"),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint(f"quality_status IN ({QUALITY})", name="quality_status_valid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    lot_number: Mapped[str] = mapped_column(String(CODE))
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quality_status: Mapped[str] = mapped_column(String(16))
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)  # over every location
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)  # pending holds
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class StockBalance(Base):
    __tablename__ = "stock_balance"
    __table_args__ = (
        UniqueConstraint("lot_id", "location_id"),
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[str] = mapped_column(ForeignKey("location.location_id"))
    quantity: Mapped[int] = mapped_column(BigInteger)


class MovementRequest(Base):
    """A caller-chosen movement id, the hash of what was asked, and what was answered."""

    __tablename__ = "movement_request"

    movement_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(Text)
    booked_at_ms: Mapped[int] = mapped_column(BigInteger)


class StockMovement(Base):
    """The append-only stock ledger: one row per change of one balance."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        UniqueConstraint("movement_id", "line_no"),
        Index("ix_stock_movement_lot_location", "lot_id", "location_id"),
        Index("ix_stock_movement_part_type_booked", "part_id", "movement_type", "booked_at_ms"),
        CheckConstraint("quantity_delta <> 0", name="quantity_delta_non_zero"),
        CheckConstraint(f"movement_type IN ({MOVEMENTS})", name="movement_type_valid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    movement_id: Mapped[str] = mapped_column(ForeignKey("movement_request.movement_id"))
    line_no: Mapped[int] = mapped_column(Integer)
    movement_type: Mapped[str] = mapped_column(String(32))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[str] = mapped_column(ForeignKey("location.location_id"))
    quantity_delta: Mapped[int] = mapped_column(BigInteger)
    booked_at_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(String(256))
    document_number: Mapped[str] = mapped_column(String(CODE))


class TradeDocumentLine(Base):
    """A purchase- or sales-order line fulfilled by a movement (receipt or shipment)."""

    __tablename__ = "trade_document_line"
    __table_args__ = (
        Index("ix_trade_document_line_document", "document_type", "document_number"),
        CheckConstraint("document_type IN ('purchase_order', 'sales_order')", name="type_valid"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str] = mapped_column(String(CODE))
    counterparty_id: Mapped[str] = mapped_column(String(CODE))
    movement_id: Mapped[str] = mapped_column(String(CODE))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(16))  # stock | production
    booked_at_ms: Mapped[int] = mapped_column(BigInteger)


class JournalLine(Base):
    """Double-entry postings: every movement's debits equal its credits."""

    __tablename__ = "journal_line"
    __table_args__ = (
        CheckConstraint("debit_micros >= 0 AND credit_micros >= 0", name="amounts_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    movement_id: Mapped[str] = mapped_column(String(CODE), index=True)
    document_number: Mapped[str] = mapped_column(String(CODE))
    account: Mapped[str] = mapped_column(String(32))
    debit_micros: Mapped[int] = mapped_column(BigInteger)
    credit_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    part_id: Mapped[int | None] = mapped_column(ForeignKey("part.id"))
    counterparty_id: Mapped[str] = mapped_column(String(CODE))
    booked_at_ms: Mapped[int] = mapped_column(BigInteger)


class Reservation(Base):
    __tablename__ = "reservation"
    __table_args__ = (
        Index("ix_reservation_state_expires", "state", "expires_at_ms"),
        CheckConstraint(f"state IN ({STATES})", name="state_valid"),
    )

    reservation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(CODE))
    demand_id: Mapped[str] = mapped_column(String(CODE))
    state: Mapped[str] = mapped_column(String(16))
    payload_hash: Mapped[str] = mapped_column(String(64))
    ttl_s: Mapped[int] = mapped_column(Integer)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)
    state_changed_at_ms: Mapped[int] = mapped_column(BigInteger)
    sales_order_number: Mapped[str] = mapped_column(String(CODE), default="")
    state_reason: Mapped[str] = mapped_column(String(256), default="")


class ReservationLine(Base):
    __tablename__ = "reservation_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("source IN ('stock', 'production')", name="source_valid"),
        Index("ix_reservation_line_part", "part_id"),
    )

    reservation_id: Mapped[str] = mapped_column(
        ForeignKey("reservation.reservation_id"), primary_key=True
    )
    line_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    part_number: Mapped[str] = mapped_column(String(CODE))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_of_measure: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(16))
    due_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    destination: Mapped[str] = mapped_column(String(CODE))
    unit_price_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class ReservationLot(Base):
    """The lot-level hold behind a stock line, recorded at reserve time (FEFO)."""

    __tablename__ = "reservation_lot"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    reservation_id: Mapped[str] = mapped_column(
        ForeignKey("reservation.reservation_id"), primary_key=True
    )
    line_id: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True, index=True)
    lot_number: Mapped[str] = mapped_column(String(CODE))
    quantity: Mapped[int] = mapped_column(BigInteger)
