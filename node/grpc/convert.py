"""Protobuf messages ↔ the node service's plain dataclasses; protocol-level input checks.

Everything that knows both `alliance.v1` messages and `node.service.api` lives here, so the
servicers stay thin. Checks that only the wire format can get wrong (unset timestamps,
UNSPECIFIED enums, unparseable dates or decimals) raise `api.InvalidInput` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from alliance.v1 import inventory_pb2, node_pb2, types_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from node.service import api

# --- scalars -------------------------------------------------------------------------------


def timestamp_from_ms(ms: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def ms_from_timestamp(message: Message, field: str, where: str) -> int:
    """The epoch milliseconds of `message.field`; an unset timestamp is refused."""
    if not message.HasField(field):
        raise api.InvalidInput(f"{where}{field} is required (a google.protobuf.Timestamp)")
    ts: Timestamp = getattr(message, field)
    if not 0 <= ts.nanos < 1_000_000_000:
        raise api.InvalidInput(f"{where}{field} has nanos out of range: {ts.nanos}")
    return int(ts.ToMilliseconds())


def optional_ms(message: Message, field: str) -> int | None:
    return int(getattr(message, field).ToMilliseconds()) if message.HasField(field) else None


def date_text(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def parse_date(text: str, where: str) -> date | None:
    """An ISO 8601 calendar date (YYYY-MM-DD), or None for the empty string."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise api.InvalidInput(
            f"{where} must be an ISO 8601 date (YYYY-MM-DD), got {text!r}"
        ) from None


def parse_decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise api.InvalidInput(f"{where} must be a decimal number, got {text!r}") from None
    if not value.is_finite():
        raise api.InvalidInput(f"{where} must be a finite decimal number, got {text!r}")
    return value


def decimal_text(value: Decimal) -> str:
    return format(value, "f")


# --- enums ---------------------------------------------------------------------------------

_SOURCE_TO_PB = {
    api.SupplySource.STOCK: types_pb2.SUPPLY_SOURCE_STOCK,
    api.SupplySource.PRODUCTION: types_pb2.SUPPLY_SOURCE_PRODUCTION,
}
_QUALITY_TO_PB = {
    api.QualityStatus.RELEASED: types_pb2.QUALITY_STATUS_RELEASED,
    api.QualityStatus.QUARANTINE: types_pb2.QUALITY_STATUS_QUARANTINE,
    api.QualityStatus.BLOCKED: types_pb2.QUALITY_STATUS_BLOCKED,
}
_STATE_TO_PB = {
    api.ReservationState.PENDING: types_pb2.RESERVATION_STATE_PENDING,
    api.ReservationState.CONFIRMED: types_pb2.RESERVATION_STATE_CONFIRMED,
    api.ReservationState.RELEASED: types_pb2.RESERVATION_STATE_RELEASED,
    api.ReservationState.EXPIRED: types_pb2.RESERVATION_STATE_EXPIRED,
}
_MOVEMENT_TO_PB = {
    api.MovementType.PURCHASE_RECEIPT: inventory_pb2.MOVEMENT_TYPE_PURCHASE_RECEIPT,
    api.MovementType.SALES_ISSUE: inventory_pb2.MOVEMENT_TYPE_SALES_ISSUE,
    api.MovementType.TRANSFER: inventory_pb2.MOVEMENT_TYPE_TRANSFER,
    api.MovementType.ADJUSTMENT: inventory_pb2.MOVEMENT_TYPE_ADJUSTMENT,
    api.MovementType.COUNT_CORRECTION: inventory_pb2.MOVEMENT_TYPE_COUNT_CORRECTION,
}
_SOURCE_FROM_PB = {v: k for k, v in _SOURCE_TO_PB.items()}
_QUALITY_FROM_PB = {v: k for k, v in _QUALITY_TO_PB.items()}


def supply_source(value: int, where: str) -> api.SupplySource:
    try:
        return _SOURCE_FROM_PB[value]
    except KeyError:
        raise api.InvalidInput(
            f"{where}source must be SUPPLY_SOURCE_STOCK or SUPPLY_SOURCE_PRODUCTION, "
            f"got {_enum_name(types_pb2.SupplySource, value)}"
        ) from None


def quality_status(value: int, where: str) -> api.QualityStatus:
    try:
        return _QUALITY_FROM_PB[value]
    except KeyError:
        raise api.InvalidInput(
            f"{where}quality_status must be RELEASED, QUARANTINE or BLOCKED, "
            f"got {_enum_name(types_pb2.QualityStatus, value)}"
        ) from None


def _enum_name(enum_type: object, value: int) -> str:
    try:
        return str(enum_type.Name(value))  # type: ignore[attr-defined]
    except ValueError:
        return str(value)


# --- alliance-facing views -----------------------------------------------------------------


def pool_share(view: api.PoolShareView) -> types_pb2.PoolShare:
    return types_pb2.PoolShare(
        member_id=view.member_id,
        part_number=view.part_number,
        unit_of_measure=view.unit_of_measure,
        safety_stock_quantity=view.safety_stock_quantity,
        pool_fraction=decimal_text(view.pool_fraction),
        contributed_quantity=view.contributed_quantity,
        reserved_quantity=view.reserved_quantity,
        free_quantity=view.free_quantity,
        opted_out=view.opted_out,
        updated_at=timestamp_from_ms(view.updated_at_ms),
    )


def node_info(info: api.NodeInfo, now_ms: int) -> node_pb2.GetNodeInfoResponse:
    return node_pb2.GetNodeInfoResponse(
        member_id=info.member_id,
        member_name=info.member_name,
        dictionary_version=info.dictionary_version,
        capabilities=list(info.capabilities),
        audit_public_key=info.audit_public_key,
        node_time=timestamp_from_ms(now_ms),
        audit_log_origin=info.audit_log_origin,
    )


def watch_change(event: api.PoolShareEvent) -> node_pb2.WatchPoolSharesResponse:
    return node_pb2.WatchPoolSharesResponse(
        sequence=event.sequence,
        event_at=timestamp_from_ms(event.event_at_ms),
        change=pool_share(event.pool_share),
    )


def watch_snapshot(
    shares: Iterable[api.PoolShareView], sequence: int, now_ms: int
) -> node_pb2.WatchPoolSharesResponse:
    return node_pb2.WatchPoolSharesResponse(
        sequence=sequence,
        event_at=timestamp_from_ms(now_ms),
        snapshot=node_pb2.PoolShareSnapshot(pool_shares=[pool_share(s) for s in shares]),
    )


def lot_pick(pick: api.LotPick) -> types_pb2.LotPick:
    return types_pb2.LotPick(
        lot_number=pick.lot_number,
        quantity=pick.quantity,
        expiry_date=date_text(pick.expiry_date),
        production_date=date_text(pick.production_date),
    )


def demand_line(line: types_pb2.DemandLine, index: int) -> api.DemandLineIn:
    where = f"lines[{index}]."
    return api.DemandLineIn(
        line_id=line.line_id,
        part_number=line.part_number,
        quantity=line.quantity,
        unit_of_measure=line.unit_of_measure,
        due_at_ms=ms_from_timestamp(line, "due_at", where),
        destination=line.destination,
    )


def quote(view: api.QuoteView) -> node_pb2.QuoteResponse:
    return node_pb2.QuoteResponse(
        member_id=view.member_id,
        demand_id=view.demand_id,
        lines=[_quote_line(line) for line in view.lines],
        quoted_at=timestamp_from_ms(view.quoted_at_ms),
    )


def _quote_line(line: api.QuoteLineView) -> node_pb2.QuoteLine:
    return node_pb2.QuoteLine(
        line_id=line.line_id,
        part_number=line.part_number,
        unit_of_measure=line.unit_of_measure,
        stock_quantity=line.stock_quantity,
        producible_quantity=line.producible_quantity,
        unit_price_micros=line.unit_price_micros,
        currency=line.currency,
        earliest_ship_at=timestamp_from_ms(line.earliest_ship_at_ms),
        lots=[lot_pick(p) for p in line.lots],
        capacity_per_day=line.capacity_per_day,
        lead_time_days=line.lead_time_days,
        shipping_cost_per_unit_micros=line.shipping_cost_per_unit_micros,
        shipment_fixed_cost_micros=line.shipment_fixed_cost_micros,
        transit_time_hours=line.transit_time_hours,
        contributed_quantity=line.contributed_quantity,
        shortfall_reason=line.shortfall_reason,
    )


def reserve_command(request: node_pb2.ReserveRequest) -> api.ReserveCommand:
    return api.ReserveCommand(
        reservation_id=request.reservation_id,
        plan_id=request.plan_id,
        demand_id=request.demand_id,
        lines=tuple(_reserve_line(line, i) for i, line in enumerate(request.lines)),
        ttl_s=request.ttl_seconds,
    )


def _reserve_line(line: node_pb2.ReserveLine, index: int) -> api.ReserveLineIn:
    where = f"lines[{index}]."
    return api.ReserveLineIn(
        line_id=line.line_id,
        part_number=line.part_number,
        quantity=line.quantity,
        unit_of_measure=line.unit_of_measure,
        source=supply_source(line.source, where),
        due_at_ms=optional_ms(line, "due_at"),
        destination=line.destination,
    )


def reservation(view: api.ReservationView) -> node_pb2.Reservation:
    return node_pb2.Reservation(
        reservation_id=view.reservation_id,
        plan_id=view.plan_id,
        demand_id=view.demand_id,
        member_id=view.member_id,
        state=_STATE_TO_PB[view.state],
        lines=[_reserved_line(line) for line in view.lines],
        created_at=timestamp_from_ms(view.created_at_ms),
        expires_at=timestamp_from_ms(view.expires_at_ms),
        state_changed_at=timestamp_from_ms(view.state_changed_at_ms),
        sales_order_number=view.sales_order_number,
    )


def audit_receipt(view: api.ReservationView) -> types_pb2.AuditReceipt | None:
    """The reservation state's signed receipt, when the node keeps an audit log."""
    receipt = view.receipt
    if receipt is None:
        return None
    return types_pb2.AuditReceipt(
        entry_hash=receipt.entry_hash,
        leaf_index=receipt.leaf_index,
        checkpoint=receipt.checkpoint,
        signature=receipt.signature,
        statement=receipt.statement,
    )


def _reserved_line(line: api.ReservedLineView) -> node_pb2.ReservedLine:
    return node_pb2.ReservedLine(
        line_id=line.line_id,
        part_number=line.part_number,
        quantity=line.quantity,
        unit_of_measure=line.unit_of_measure,
        source=_SOURCE_TO_PB[line.source],
        lots=[lot_pick(p) for p in line.lots],
        unit_price_micros=line.unit_price_micros,
        currency=line.currency,
    )


# --- the supplier's own books --------------------------------------------------------------


def part(request: inventory_pb2.UpsertPartRequest) -> api.PartIn:
    return api.PartIn(
        part_number=request.part_number,
        description=request.description,
        unit_of_measure=request.unit_of_measure,
        lot_tracked=request.lot_tracked,
        shelf_life_days=request.shelf_life_days or None,
        aliases=tuple(request.aliases),
        gtin=request.gtin or None,
        list_price_micros=request.list_price_micros,
        currency=request.currency or "EUR",
    )


def location(request: inventory_pb2.UpsertLocationRequest) -> api.LocationIn:
    return api.LocationIn(
        site_id=request.site_id,
        warehouse_id=request.warehouse_id,
        location_id=request.location_id,
    )


def receipt(request: inventory_pb2.ReceivePurchaseRequest) -> api.ReceiptIn:
    return api.ReceiptIn(
        movement_id=request.movement_id,
        purchase_order_number=request.purchase_order_number,
        part_number=request.part_number,
        quantity=request.quantity,
        unit_of_measure=request.unit_of_measure,
        location_id=request.location_id,
        lot_number=request.lot_number,
        unit_cost_micros=request.unit_cost_micros,
        currency=request.currency,
        actor=request.actor,
        production_date=parse_date(request.production_date, "production_date"),
        expiry_date=parse_date(request.expiry_date, "expiry_date"),
        quality_status=quality_status(request.quality_status, ""),
    )


def shipment(request: inventory_pb2.ShipSalesRequest) -> api.ShipmentIn:
    return api.ShipmentIn(
        movement_id=request.movement_id,
        sales_order_number=request.sales_order_number,
        customer_id=request.customer_id,
        part_number=request.part_number,
        quantity=request.quantity,
        unit_of_measure=request.unit_of_measure,
        unit_price_micros=request.unit_price_micros,
        currency=request.currency,
        actor=request.actor,
    )


def transfer(request: inventory_pb2.TransferRequest) -> api.TransferIn:
    return api.TransferIn(
        movement_id=request.movement_id,
        part_number=request.part_number,
        lot_number=request.lot_number,
        from_location_id=request.from_location_id,
        to_location_id=request.to_location_id,
        quantity=request.quantity,
        actor=request.actor,
    )


def count(request: inventory_pb2.CountStockRequest) -> api.CountIn:
    return api.CountIn(
        movement_id=request.movement_id,
        part_number=request.part_number,
        lot_number=request.lot_number,
        location_id=request.location_id,
        counted_quantity=request.counted_quantity,
        actor=request.actor,
    )


def movement(view: api.MovementView) -> inventory_pb2.Movement:
    return inventory_pb2.Movement(
        movement_id=view.movement_id,
        type=_MOVEMENT_TO_PB[view.type],
        part_number=view.part_number,
        lot_number=view.lot_number,
        location_id=view.location_id,
        quantity_delta=view.quantity_delta,
        booked_at=timestamp_from_ms(view.booked_at_ms),
        actor=view.actor,
        reason=view.reason,
        document_number=view.document_number,
    )


def movements(views: Iterable[api.MovementView]) -> list[inventory_pb2.Movement]:
    return [movement(v) for v in views]


def part_position(view: api.PartPositionView) -> inventory_pb2.PartPosition:
    return inventory_pb2.PartPosition(
        part_number=view.part_number,
        unit_of_measure=view.unit_of_measure,
        quantity_on_hand=view.quantity_on_hand,
        available_quantity=view.available_quantity,
        reserved_quantity=view.reserved_quantity,
        blocked_quantity=view.blocked_quantity,
        expired_quantity=view.expired_quantity,
        moving_average_cost_micros=view.moving_average_cost_micros,
        pool_share=pool_share(view.pool_share),
        balances=[_stock_balance(b) for b in view.balances],
    )


def _stock_balance(view: api.StockBalanceView) -> inventory_pb2.StockBalance:
    return inventory_pb2.StockBalance(
        part_number=view.part_number,
        lot_number=view.lot_number,
        location_id=view.location_id,
        quantity_on_hand=view.quantity_on_hand,
        quality_status=_QUALITY_TO_PB[view.quality_status],
        expiry_date=date_text(view.expiry_date),
    )
