"""The supplier's own stock operations: receive, ship, transfer, count, lot quality."""

from __future__ import annotations

from collections.abc import Sequence

from node.adapters import repository as repo
from node.adapters.orm import Lot, MovementRequest, Part, PartPool, TradeDocumentLine
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.clock import utc_date
from node.domain.lots import expiry_from_shelf_life, fefo_key
from node.service import codec
from node.service import ledger as L
from node.service import pool as pool_share
from node.service.api import (
    CountIn,
    InvalidInput,
    MovementType,
    MovementView,
    NotFound,
    PreconditionFailed,
    QualityStatus,
    ReceiptIn,
    ReceiptResult,
    ShipmentIn,
    ShipmentResult,
    TransferIn,
)
from node.service.context import NodeContext


def locked_part(uow: SqlUnitOfWork, part_number: str) -> tuple[Part, PartPool]:
    rows = repo.lock_parts(uow.session, [v.part_number(part_number)])
    if part_number not in rows:
        raise NotFound(f"part {part_number} is not known to this node")
    part, pool, _ = rows[part_number]
    return part, pool


def lot_number_for(part: Part, lot_number: str) -> str:
    if part.lot_tracked and not lot_number:
        raise InvalidInput(f"part {part.part_number} is lot-tracked: a lot number is required")
    return v.optional_code(lot_number, "lot number")


def existing_lot(uow: SqlUnitOfWork, part: Part, lot_number: str) -> Lot:
    lot = repo.lot(uow.session, part.id, lot_number_for(part, lot_number))
    if lot is None:
        raise NotFound(f"lot {lot_number!r} of part {part.part_number} does not exist")
    return lot


def require_locations(uow: SqlUnitOfWork, *location_ids: str) -> None:
    for location_id in location_ids:
        v.code(location_id, "location id")
    missing = set(location_ids) - repo.existing_locations(uow.session, set(location_ids))
    if missing:
        raise NotFound(f"location {', '.join(sorted(missing))} does not exist")


def publish(
    uow: SqlUnitOfWork, ctx: NodeContext, parts: Sequence[tuple[Part, PartPool]], actor: str
) -> None:
    uow.session.flush()
    lots = repo.lots_of(uow.session, [part.id for part, _ in parts])
    for part, pool in parts:
        pool_share.refresh(uow, ctx, part, pool, lots[part.id], actor=actor)


def _same_currency(ctx: NodeContext, currency: str) -> None:
    if v.currency(currency) != ctx.currency:
        raise InvalidInput(
            f"currency {currency} differs from the node's book currency {ctx.currency}"
        )


# --- receipts --------------------------------------------------------------------------------


def _validate_receipt(receipt: ReceiptIn) -> None:
    v.code(receipt.movement_id, "movement id")
    v.code(receipt.purchase_order_number, "purchase order number")
    v.part_number(receipt.part_number)
    v.positive_quantity(receipt.quantity)
    v.unit_code(receipt.unit_of_measure)
    v.non_negative(receipt.unit_cost_micros, "unit cost")
    v.text(receipt.actor, "actor", required=True)
    if not isinstance(receipt.quality_status, QualityStatus):
        raise InvalidInput(f"quality status {receipt.quality_status!r} is unknown")
    if (
        receipt.production_date
        and receipt.expiry_date
        and receipt.expiry_date < receipt.production_date
    ):
        raise InvalidInput(
            f"expiry date {receipt.expiry_date} is before production date {receipt.production_date}"
        )


def receive_all(
    uow: SqlUnitOfWork, ctx: NodeContext, receipts: Sequence[ReceiptIn]
) -> list[ReceiptResult]:
    """Every receipt in one transaction (a stock import): all or none. The parts are locked
    together up front, in the one lock order."""
    if not receipts:
        return []
    for receipt in receipts:
        v.part_number(receipt.part_number)
    rows = repo.lock_parts(uow.session, {r.part_number for r in receipts})
    results = []
    for receipt in receipts:
        if receipt.part_number not in rows:
            raise NotFound(f"part {receipt.part_number} is not known to this node")
        results.append(receive(uow, ctx, receipt, rows[receipt.part_number][0]))
        uow.session.flush()  # a later receipt may reuse this one's movement id or lot
    publish(uow, ctx, [(part, pool) for part, pool, _ in rows.values()], receipts[-1].actor)
    return results


def receive(uow: SqlUnitOfWork, ctx: NodeContext, receipt: ReceiptIn, part: Part) -> ReceiptResult:
    """Goods receipt against a purchase order (the part is already locked)."""
    _validate_receipt(receipt)
    _same_currency(ctx, receipt.currency)
    digest = codec.payload_hash(receipt)
    earlier = L.replayed(uow, receipt.movement_id, digest)
    if earlier is not None:
        return codec.receipt_result_from(codec.loads(earlier))
    v.same_unit(receipt.unit_of_measure, part.unit_of_measure, part.part_number)
    require_locations(uow, receipt.location_id)
    lot = _receiving_lot(uow, part, receipt)
    value = L.valuation(part).receive(receipt.quantity, receipt.unit_cost_micros)
    payable = receipt.quantity * receipt.unit_cost_micros
    result_placeholder = ReceiptResult((), payable, value.moving_average_cost_micros)
    L.remember(uow, receipt.movement_id, "purchase receipt", digest, result_placeholder)
    movement = L.book(
        uow,
        movement_id=receipt.movement_id,
        line_no=1,
        type=MovementType.PURCHASE_RECEIPT,
        part=part,
        lot=lot,
        location_id=receipt.location_id,
        delta=receipt.quantity,
        actor=receipt.actor,
        reason="purchase receipt",
        document_number=receipt.purchase_order_number,
    )
    L.set_valuation(part, value, uow.now_ms)
    L.post(
        uow,
        movement_id=receipt.movement_id,
        document_number=receipt.purchase_order_number,
        debit=L.INVENTORY,
        credit=L.PAYABLE,
        amount_micros=payable,
        currency=ctx.currency,
        part=part,
        counterparty_id=receipt.purchase_order_number,
    )
    uow.session.add(
        TradeDocumentLine(
            document_type="purchase_order",
            document_number=receipt.purchase_order_number,
            counterparty_id="",
            movement_id=receipt.movement_id,
            part_id=part.id,
            quantity=receipt.quantity,
            unit_price_micros=receipt.unit_cost_micros,
            currency=ctx.currency,
            source="stock",
            booked_at_ms=uow.now_ms,
        )
    )
    result = ReceiptResult((movement,), payable, value.moving_average_cost_micros)
    _close_movement(
        uow,
        "stock.purchase_received",
        receipt.movement_id,
        result,
        {"receipt": receipt, "result": result},
        actor=receipt.actor,
        part=part,
    )
    return result


def _close_movement(
    uow: SqlUnitOfWork,
    event_type: str,
    movement_id: str,
    stored_result: object,
    payload: dict[str, object],
    *,
    actor: str,
    part: Part,
) -> None:
    """Keep the result for idempotent retries of `movement_id` and record its outbox event."""
    request = uow.session.get(MovementRequest, movement_id)
    assert request is not None
    request.result = codec.dumps(stored_result)
    uow.record(
        event_type, "movement", movement_id, payload, actor=actor, part_number=part.part_number
    )


def _receiving_lot(uow: SqlUnitOfWork, part: Part, receipt: ReceiptIn) -> Lot:
    lot_number = lot_number_for(part, receipt.lot_number)
    expiry = expiry_from_shelf_life(
        receipt.production_date, receipt.expiry_date, part.shelf_life_days
    )
    lot = repo.lot(uow.session, part.id, lot_number)
    if lot is None:
        lot = Lot(
            part_id=part.id,
            lot_number=lot_number,
            production_date=receipt.production_date,
            expiry_date=expiry,
            quality_status=receipt.quality_status.value,
            on_hand=0,
            reserved=0,
            created_at_ms=uow.now_ms,
        )
        uow.session.add(lot)
        uow.session.flush()
        return lot
    if receipt.expiry_date is not None and lot.expiry_date != receipt.expiry_date:
        raise InvalidInput(
            f"lot {lot_number} of part {part.part_number} expires on {lot.expiry_date}, "
            f"not {receipt.expiry_date}; receive a different expiry under a new lot number"
        )
    return lot  # an existing lot keeps its quality status: quality is decided per lot


# --- shipments -------------------------------------------------------------------------------


def ship(uow: SqlUnitOfWork, ctx: NodeContext, shipment: ShipmentIn) -> ShipmentResult:
    """Goods issue against a sales order, first expiry first out from unreserved stock."""
    v.code(shipment.movement_id, "movement id")
    v.code(shipment.sales_order_number, "sales order number")
    v.code(shipment.customer_id, "customer id")
    v.positive_quantity(shipment.quantity)
    v.unit_code(shipment.unit_of_measure)
    v.non_negative(shipment.unit_price_micros, "unit price")
    v.text(shipment.actor, "actor", required=True)
    _same_currency(ctx, shipment.currency)
    digest = codec.payload_hash(shipment)
    earlier = L.replayed(uow, shipment.movement_id, digest)
    if earlier is not None:
        return codec.shipment_result_from(codec.loads(earlier))
    part, pool = locked_part(uow, shipment.part_number)
    v.same_unit(shipment.unit_of_measure, part.unit_of_measure, part.part_number)
    lots = repo.lots_of(uow.session, [part.id])[part.id]
    picks = _fefo_unreserved(lots, shipment.quantity, uow.now_ms)
    shipped = sum(q for _, q in picks)
    if shipped < shipment.quantity:
        stock = pool_share.stock_summary(lots, uow.now_ms)
        raise PreconditionFailed(
            f"asked to ship {shipment.quantity} of part {part.part_number}, only {shipped} is "
            f"free to ship (on hand {stock.on_hand}, reserved {stock.lot_reserved}, blocked "
            f"{stock.blocked}, expired {stock.expired})"
            + ("; " + "; ".join(stock.unavailable_lots) if stock.unavailable_lots else "")
        )
    L.remember(uow, shipment.movement_id, "sales shipment", digest, None)
    result = book_sale(
        uow,
        ctx,
        part=part,
        picks=picks,
        movement_id=shipment.movement_id,
        sales_order_number=shipment.sales_order_number,
        customer_id=shipment.customer_id,
        unit_price_micros=shipment.unit_price_micros,
        actor=shipment.actor,
    )
    publish(uow, ctx, [(part, pool)], shipment.actor)
    _close_movement(
        uow,
        "stock.sales_shipped",
        shipment.movement_id,
        result,
        {"shipment": shipment, "result": result},
        actor=shipment.actor,
        part=part,
    )
    return result


def _fefo_unreserved(lots: Sequence[Lot], quantity: int, now_ms: int) -> list[tuple[Lot, int]]:
    today = utc_date(now_ms)
    picks: list[tuple[Lot, int]] = []
    remaining = quantity
    for lot in sorted(lots, key=lambda lot: fefo_key(pool_share.lot_stock(lot))):
        take = min(pool_share.lot_stock(lot).free(today), remaining)
        if take > 0:
            picks.append((lot, take))
            remaining -= take
        if remaining == 0:
            break
    return picks


def book_sale(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    *,
    part: Part,
    picks: Sequence[tuple[Lot, int]],
    movement_id: str,
    sales_order_number: str,
    customer_id: str,
    unit_price_micros: int,
    actor: str,
    first_line_no: int = 1,
    reason: str = "sales order shipment",
) -> ShipmentResult:
    """Issue the picked lots, value them at moving-average cost, post receivable and COGS."""
    quantity = sum(q for _, q in picks)
    movements = L.issue_picks(
        uow,
        movement_id=movement_id,
        part=part,
        picks=picks,
        actor=actor,
        reason=reason,
        document_number=sales_order_number,
        first_line_no=first_line_no,
    )
    value, cogs = L.valuation(part).issue(quantity)
    L.set_valuation(part, value, uow.now_ms)
    receivable = quantity * unit_price_micros
    L.post(
        uow,
        movement_id=movement_id,
        document_number=sales_order_number,
        debit=L.RECEIVABLE,
        credit=L.REVENUE,
        amount_micros=receivable,
        currency=ctx.currency,
        part=part,
        counterparty_id=customer_id,
    )
    L.post(
        uow,
        movement_id=movement_id,
        document_number=sales_order_number,
        debit=L.COGS,
        credit=L.INVENTORY,
        amount_micros=cogs,
        currency=ctx.currency,
        part=part,
        counterparty_id=customer_id,
    )
    uow.session.add(
        TradeDocumentLine(
            document_type="sales_order",
            document_number=sales_order_number,
            counterparty_id=customer_id,
            movement_id=movement_id,
            part_id=part.id,
            quantity=quantity,
            unit_price_micros=unit_price_micros,
            currency=ctx.currency,
            source="stock",
            booked_at_ms=uow.now_ms,
        )
    )
    return ShipmentResult(tuple(movements), receivable, cogs)


# --- transfers and counts --------------------------------------------------------------------


def transfer(uow: SqlUnitOfWork, ctx: NodeContext, request: TransferIn) -> tuple[MovementView, ...]:
    v.code(request.movement_id, "movement id")
    v.positive_quantity(request.quantity)
    v.text(request.actor, "actor", required=True)
    if request.from_location_id == request.to_location_id:
        raise InvalidInput("a transfer needs two different locations")
    digest = codec.payload_hash(request)
    earlier = L.replayed(uow, request.movement_id, digest)
    if earlier is not None:
        return codec.movements_from(codec.loads(earlier))
    part, pool = locked_part(uow, request.part_number)
    lot = existing_lot(uow, part, request.lot_number)
    require_locations(uow, request.from_location_id, request.to_location_id)
    L.remember(uow, request.movement_id, "transfer", digest, [])
    reason = f"transfer {request.from_location_id} -> {request.to_location_id}"
    legs = [
        L.book(
            uow,
            movement_id=request.movement_id,
            line_no=line_no,
            type=MovementType.TRANSFER,
            part=part,
            lot=lot,
            location_id=location_id,
            delta=delta,
            actor=request.actor,
            reason=reason,
            document_number=request.movement_id,
        )
        for line_no, location_id, delta in (
            (1, request.from_location_id, -request.quantity),
            (2, request.to_location_id, request.quantity),
        )
    ]
    out, into = legs
    result = (out, into)
    publish(uow, ctx, [(part, pool)], request.actor)
    _close_movement(
        uow,
        "stock.transferred",
        request.movement_id,
        list(result),
        {"transfer": request, "movements": result},
        actor=request.actor,
        part=part,
    )
    return result


def count(uow: SqlUnitOfWork, ctx: NodeContext, request: CountIn) -> tuple[MovementView, ...]:
    """A physical count: the difference to the book is booked as a count correction."""
    v.code(request.movement_id, "movement id")
    v.non_negative(request.counted_quantity, "counted quantity")
    v.text(request.actor, "actor", required=True)
    digest = codec.payload_hash(request)
    earlier = L.replayed(uow, request.movement_id, digest)
    if earlier is not None:
        return codec.movements_from(codec.loads(earlier))
    part, pool = locked_part(uow, request.part_number)
    lot = existing_lot(uow, part, request.lot_number)
    require_locations(uow, request.location_id)
    balance = repo.balance(uow.session, lot.id, request.location_id)
    booked = balance.quantity if balance else 0
    delta = request.counted_quantity - booked
    L.remember(uow, request.movement_id, "count correction", digest, [])
    result: tuple[MovementView, ...] = ()
    if delta:
        movement = L.book(
            uow,
            movement_id=request.movement_id,
            line_no=1,
            type=MovementType.COUNT_CORRECTION,
            part=part,
            lot=lot,
            location_id=request.location_id,
            delta=delta,
            actor=request.actor,
            reason=f"physical count {request.counted_quantity}, book {booked}",
            document_number=request.movement_id,
            balance=balance,
        )
        result = (movement,)
        _book_count_value(uow, ctx, part, delta, request.movement_id)
    publish(uow, ctx, [(part, pool)], request.actor)
    _close_movement(
        uow,
        "stock.counted",
        request.movement_id,
        list(result),
        {"count": request, "book_quantity": booked, "movements": result},
        actor=request.actor,
        part=part,
    )
    return result


def _book_count_value(
    uow: SqlUnitOfWork, ctx: NodeContext, part: Part, delta: int, movement_id: str
) -> None:
    if delta > 0:
        value, amount = L.valuation(part).gain(delta)
    else:
        value, loss = L.valuation(part).issue(-delta)
        amount = -loss
    L.set_valuation(part, value, uow.now_ms)
    L.post(
        uow,
        movement_id=movement_id,
        document_number=movement_id,
        debit=L.INVENTORY,
        credit=L.INVENTORY_DIFFERENCES,
        amount_micros=amount,
        currency=ctx.currency,
        part=part,
        counterparty_id="",
    )


def set_lot_quality(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    part_number: str,
    lot_number: str,
    status: QualityStatus,
    actor: str,
) -> None:
    if not isinstance(status, QualityStatus):
        raise InvalidInput(f"quality status {status!r} is unknown")
    v.text(actor, "actor", required=True)
    part, pool = locked_part(uow, part_number)
    lot = existing_lot(uow, part, lot_number)
    if lot.quality_status == status.value:
        return
    before = lot.quality_status
    lot.quality_status = status.value
    publish(uow, ctx, [(part, pool)], actor)
    uow.record(
        "lot.quality_changed",
        "lot",
        f"{part.part_number}/{lot.lot_number}",
        {
            "part_number": part.part_number,
            "lot_number": lot.lot_number,
            "from": before,
            "to": status.value,
            "actor": actor,
            "at_ms": uow.now_ms,
        },
        actor=actor,
        part_number=part.part_number,
    )
