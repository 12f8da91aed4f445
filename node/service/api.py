"""The node's use cases as its adapters (gRPC, CLI) see them: commands in, views out, errors.

Everything here is plain Python: no protobuf, no SQLAlchemy. Quantities are integers in the
part's unit of measure, money is integer micro-units (1e-6) of `currency`, timestamps are
integer milliseconds since the Unix epoch (`*_at_ms`), calendar dates are `datetime.date`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol


class SupplySource(enum.Enum):
    STOCK = "stock"
    PRODUCTION = "production"


class QualityStatus(enum.Enum):
    RELEASED = "released"
    QUARANTINE = "quarantine"
    BLOCKED = "blocked"


class ReservationState(enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    EXPIRED = "expired"


class MovementType(enum.Enum):
    PURCHASE_RECEIPT = "purchase_receipt"
    SALES_ISSUE = "sales_issue"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"
    COUNT_CORRECTION = "count_correction"


# --- errors: adapters map each to one protocol status -------------------------------------


class NodeError(Exception):
    """Base of every error a use case raises on purpose. The message is shown to the caller."""


class InvalidInput(NodeError):
    """The request itself is wrong (gRPC INVALID_ARGUMENT)."""


class NotFound(NodeError):
    """A named part, lot, location or reservation does not exist (NOT_FOUND)."""


class PreconditionFailed(NodeError):
    """Valid request, but the node's state refuses it: not enough pool share, wrong state
    (FAILED_PRECONDITION)."""


class AlreadyExists(NodeError):
    """A caller-chosen id was reused with a different payload (ALREADY_EXISTS)."""


class Conflict(NodeError):
    """A concurrent change won; retrying may succeed (ABORTED)."""


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeInfo:
    member_id: str
    member_name: str
    dictionary_version: str
    capabilities: tuple[str, ...]
    audit_public_key: bytes
    audit_log_origin: str


@dataclass(frozen=True)
class PoolShareView:
    member_id: str
    part_number: str
    unit_of_measure: str
    safety_stock_quantity: int
    pool_fraction: Decimal
    contributed_quantity: int  # min(floor(fraction x safety stock), on hand - blocked - expired)
    reserved_quantity: int  # held by pending reservations from stock
    free_quantity: int  # contributed - reserved, never negative
    opted_out: bool
    updated_at_ms: int


@dataclass(frozen=True)
class PoolShareEvent:
    sequence: int  # strictly increasing per node
    event_at_ms: int
    pool_share: PoolShareView


@dataclass(frozen=True)
class LotPick:
    lot_number: str
    quantity: int
    expiry_date: date | None
    production_date: date | None


@dataclass(frozen=True)
class DemandLineIn:
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    due_at_ms: int
    destination: str


@dataclass(frozen=True)
class QuoteLineView:
    line_id: str
    part_number: str
    unit_of_measure: str
    stock_quantity: int
    producible_quantity: int
    unit_price_micros: int
    currency: str
    earliest_ship_at_ms: int
    lots: tuple[LotPick, ...]
    capacity_per_day: int
    lead_time_days: int
    shipping_cost_per_unit_micros: int
    shipment_fixed_cost_micros: int
    transit_time_hours: int
    contributed_quantity: int
    shortfall_reason: str  # "" when the node can offer the full quantity


@dataclass(frozen=True)
class QuoteView:
    member_id: str
    demand_id: str
    lines: tuple[QuoteLineView, ...]
    quoted_at_ms: int


@dataclass(frozen=True)
class ReserveLineIn:
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    source: SupplySource
    due_at_ms: int | None = None
    destination: str = ""


@dataclass(frozen=True)
class ReserveCommand:
    reservation_id: str  # caller-chosen UUID; idempotency key
    plan_id: str
    demand_id: str
    lines: tuple[ReserveLineIn, ...]
    ttl_s: int


@dataclass(frozen=True)
class ReservedLineView:
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    source: SupplySource
    lots: tuple[LotPick, ...]
    unit_price_micros: int
    currency: str


NOT_ENCODED = {"encoded": False}  # dataclass field metadata: left out of payloads and hashes


@dataclass(frozen=True)
class AuditReceiptView:
    """Proof material for one statement of the node's audit log (see audit/README.md)."""

    entry_hash: bytes  # RFC 9162 leaf hash of statement || signature
    leaf_index: int
    checkpoint: str  # a signed checkpoint note covering the entry
    signature: bytes  # the node's Ed25519 signature over `statement`
    statement: bytes  # the canonical statement bytes


@dataclass(frozen=True)
class ReservationView:
    reservation_id: str
    plan_id: str
    demand_id: str
    member_id: str
    state: ReservationState
    lines: tuple[ReservedLineView, ...]
    created_at_ms: int
    expires_at_ms: int
    state_changed_at_ms: int
    sales_order_number: str = ""
    # The signed audit receipt of this state (set on Reserve/Confirm/Release answers when the
    # node keeps an audit log); not part of the reservation's data, so neither encoded nor
    # compared.
    receipt: AuditReceiptView | None = field(default=None, compare=False, metadata=NOT_ENCODED)


# --- the supplier's own books (local admin only) -------------------------------------------


@dataclass(frozen=True)
class PartIn:
    part_number: str
    description: str
    unit_of_measure: str  # UN/CEFACT Rec 20 code, e.g. "C62" (one), "KGM", "MTR"
    lot_tracked: bool = True
    shelf_life_days: int | None = None
    aliases: tuple[str, ...] = ()
    gtin: str | None = None
    list_price_micros: int = 0
    currency: str = "EUR"


@dataclass(frozen=True)
class LocationIn:
    site_id: str
    warehouse_id: str
    location_id: str


@dataclass(frozen=True)
class ReceiptIn:
    movement_id: str
    purchase_order_number: str
    part_number: str
    quantity: int
    unit_of_measure: str
    location_id: str
    lot_number: str
    unit_cost_micros: int
    currency: str
    actor: str
    production_date: date | None = None
    expiry_date: date | None = None  # None: production date + shelf life, if the part has one
    quality_status: QualityStatus = QualityStatus.RELEASED


@dataclass(frozen=True)
class ShipmentIn:
    movement_id: str
    sales_order_number: str
    customer_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    unit_price_micros: int
    currency: str
    actor: str


@dataclass(frozen=True)
class TransferIn:
    movement_id: str
    part_number: str
    lot_number: str
    from_location_id: str
    to_location_id: str
    quantity: int
    actor: str


@dataclass(frozen=True)
class CountIn:
    movement_id: str
    part_number: str
    lot_number: str
    location_id: str
    counted_quantity: int
    actor: str


@dataclass(frozen=True)
class MovementView:
    movement_id: str
    type: MovementType
    part_number: str
    lot_number: str
    location_id: str
    quantity_delta: int
    booked_at_ms: int
    actor: str
    reason: str
    document_number: str


@dataclass(frozen=True)
class ReceiptResult:
    movements: tuple[MovementView, ...]
    payable_micros: int
    moving_average_cost_micros: int


@dataclass(frozen=True)
class ShipmentResult:
    movements: tuple[MovementView, ...]
    receivable_micros: int
    cost_of_goods_sold_micros: int


@dataclass(frozen=True)
class SafetyStockResult:
    pool_share: PoolShareView
    explanation: str  # the formula with its inputs, human-readable


@dataclass(frozen=True)
class StockBalanceView:
    part_number: str
    lot_number: str
    location_id: str
    quantity_on_hand: int
    quality_status: QualityStatus
    expiry_date: date | None


@dataclass(frozen=True)
class PartPositionView:
    part_number: str
    unit_of_measure: str
    quantity_on_hand: int
    available_quantity: int  # on hand - reserved - blocked - expired
    reserved_quantity: int
    blocked_quantity: int  # quarantine + blocked lots
    expired_quantity: int
    moving_average_cost_micros: int
    pool_share: PoolShareView
    balances: tuple[StockBalanceView, ...] = field(default=())


@dataclass(frozen=True)
class ReconcileResult:
    balanced: bool
    mismatches: tuple[str, ...]
    movements_checked: int


class NodeService(Protocol):
    """Every use case of a supplier node. One instance per process; thread-safe."""

    # alliance-facing
    def node_info(self) -> NodeInfo: ...
    def pool_shares(self, part_numbers: Sequence[str] = ()) -> tuple[list[PoolShareView], int]:
        """Current pool shares (all pooled parts when empty) and the last event sequence."""

    def pool_share_events_after(
        self, sequence: int, part_numbers: Sequence[str] = (), limit: int = 1000
    ) -> list[PoolShareEvent]:
        """Pool-share changes with a sequence greater than `sequence`, oldest first."""

    def last_sequence(self) -> int: ...
    def quote(self, demand_id: str, lines: Sequence[DemandLineIn]) -> QuoteView: ...
    def reserve(self, command: ReserveCommand) -> ReservationView: ...
    def reserve_many(
        self, commands: Sequence[ReserveCommand]
    ) -> Sequence[ReservationView | Exception]:
        """Each command's view or error, the valid ones reserved together (one transaction
        when they can be): for callers that gather concurrent Reserves themselves."""
    def confirm(self, reservation_id: str) -> ReservationView: ...
    def release(self, reservation_id: str, reason: str = "") -> ReservationView: ...
    def get_reservation(self, reservation_id: str) -> ReservationView: ...
    def expire_due(self) -> int:
        """Expire pending reservations past their time-to-live; returns how many."""

    # the supplier's own books
    def upsert_part(self, part: PartIn) -> None: ...
    def upsert_location(self, location: LocationIn) -> None: ...
    def receive_purchase(self, receipt: ReceiptIn) -> ReceiptResult: ...
    def receive_many(self, receipts: Sequence[ReceiptIn]) -> list[ReceiptResult]:
        """Books every receipt in one transaction: all or none (stock import)."""

    def ship_sales(self, shipment: ShipmentIn) -> ShipmentResult: ...
    def transfer(self, transfer: TransferIn) -> tuple[MovementView, ...]: ...
    def count_stock(self, count: CountIn) -> tuple[MovementView, ...]: ...
    def set_lot_quality(
        self, part_number: str, lot_number: str, status: QualityStatus, actor: str
    ) -> None: ...
    def set_safety_stock(self, part_number: str, quantity: int) -> SafetyStockResult: ...
    def compute_safety_stock(
        self, part_number: str, service_level: Decimal, history_days: int
    ) -> SafetyStockResult: ...
    def set_capacity(
        self,
        part_number: str,
        capacity_per_day: int,
        lead_time_days: int,
        unit_price_micros: int,
        currency: str,
    ) -> None: ...
    def set_pool_policy(self, part_number: str, opted_out: bool) -> PoolShareView: ...
    def set_shipping_lane(
        self,
        destination: str,
        shipping_cost_per_unit_micros: int,
        shipment_fixed_cost_micros: int,
        transit_time_hours: int,
        currency: str,
    ) -> None: ...
    def stock_positions(self, part_numbers: Sequence[str] = ()) -> list[PartPositionView]: ...
    def reconcile(self) -> ReconcileResult: ...
