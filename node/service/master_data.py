"""The supplier's master data: parts, locations, capacity, shipping lanes, pool policy."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select

from node.adapters.orm import (
    Capacity,
    Location,
    Part,
    PartAlias,
    PartPool,
    ShippingLane,
    Site,
    StockMovement,
    Warehouse,
)
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.clock import DAY_MS, start_of_day_ms, utc_date
from node.domain.safety_stock import computed_safety_stock, configured_explanation
from node.service import pool as pool_share
from node.service.api import (
    AlreadyExists,
    InvalidInput,
    LocationIn,
    MovementType,
    PartIn,
    PoolShareView,
    PreconditionFailed,
    SafetyStockResult,
)
from node.service.context import NodeContext
from node.service.stock import locked_part, publish

LOCAL_ADMIN = "local-admin"
GTIN_LENGTHS = {8, 12, 13, 14}


def _validate_part(part: PartIn) -> None:
    v.part_number(part.part_number)
    v.text(part.description, "description")
    v.unit_code(part.unit_of_measure)
    if part.shelf_life_days is not None:
        v.positive_quantity(part.shelf_life_days, "shelf life days")
    for alias in part.aliases:
        v.code(alias, "alias")
    if part.gtin is not None and (not part.gtin.isdigit() or len(part.gtin) not in GTIN_LENGTHS):
        raise InvalidInput(f"GTIN {part.gtin!r} must be 8, 12, 13 or 14 digits")
    v.non_negative(part.list_price_micros, "list price")
    v.currency(part.currency)


def upsert_part(uow: SqlUnitOfWork, ctx: NodeContext, part_in: PartIn) -> None:
    _validate_part(part_in)
    session = uow.session
    part = session.scalars(
        select(Part).where(Part.part_number == part_in.part_number)
    ).one_or_none()
    created = part is None
    if part is None:
        part = Part(
            part_number=part_in.part_number,
            valuated_quantity=0,
            stock_value_micros=0,
            moving_average_cost_micros=0,
        )
        session.add(part)
    else:
        part, pool = locked_part(uow, part_in.part_number)
        if part.unit_of_measure != part_in.unit_of_measure and _has_movements(uow, part.id):
            raise PreconditionFailed(
                f"part {part.part_number} has stock movements in {part.unit_of_measure}; "
                f"its unit cannot change to {part_in.unit_of_measure}"
            )
    part.description = part_in.description
    part.unit_of_measure = part_in.unit_of_measure
    part.lot_tracked = part_in.lot_tracked
    part.shelf_life_days = part_in.shelf_life_days
    part.gtin = part_in.gtin
    part.list_price_micros = part_in.list_price_micros
    part.currency = part_in.currency
    part.updated_at_ms = uow.now_ms
    session.flush()
    _set_aliases(uow, part, part_in.aliases)
    if created:
        pool = PartPool(
            part_id=part.id,
            safety_stock_quantity=0,
            safety_stock_explanation="",
            opted_out=False,
            reserved_quantity=0,
            production_reserved_quantity=0,
            pool_fraction=str(uow.pool_fraction()),
            contributed_quantity=0,
            free_quantity=0,
            published="",
            updated_at_ms=uow.now_ms,
        )
        session.add(pool)
    uow.record(
        "part.upserted",
        "part",
        part.part_number,
        {"part": part_in, "created": created},
        actor=LOCAL_ADMIN,
        part_number=part.part_number,
    )
    publish(uow, ctx, [(part, pool)], LOCAL_ADMIN)


def _has_movements(uow: SqlUnitOfWork, part_id: int) -> bool:
    return bool(
        uow.session.scalar(
            select(func.count()).select_from(StockMovement).where(StockMovement.part_id == part_id)
        )
    )


def _set_aliases(uow: SqlUnitOfWork, part: Part, aliases: tuple[str, ...]) -> None:
    session = uow.session
    taken = session.execute(
        select(PartAlias.alias, Part.part_number)
        .join(Part, Part.id == PartAlias.part_id)
        .where(PartAlias.alias.in_(aliases), PartAlias.part_id != part.id)
    ).first()
    if taken:
        raise AlreadyExists(f"alias {taken[0]} already names part {taken[1]}")
    session.execute(delete(PartAlias).where(PartAlias.part_id == part.id))
    session.add_all(PartAlias(alias=a, part_id=part.id) for a in dict.fromkeys(aliases))


def upsert_location(uow: SqlUnitOfWork, ctx: NodeContext, location: LocationIn) -> None:
    v.code(location.site_id, "site id")
    v.code(location.warehouse_id, "warehouse id")
    v.code(location.location_id, "location id")
    session = uow.session
    if session.get(Site, location.site_id) is None:
        session.add(Site(site_id=location.site_id))
    warehouse = session.get(Warehouse, location.warehouse_id)
    if warehouse is None:
        session.add(Warehouse(warehouse_id=location.warehouse_id, site_id=location.site_id))
    elif warehouse.site_id != location.site_id:
        raise PreconditionFailed(
            f"warehouse {location.warehouse_id} belongs to site {warehouse.site_id}, "
            f"not {location.site_id}"
        )
    session.flush()
    row = session.get(Location, location.location_id)
    if row is None:
        session.add(Location(location_id=location.location_id, warehouse_id=location.warehouse_id))
    else:
        row.warehouse_id = location.warehouse_id
    uow.record("location.upserted", "location", location.location_id, location, actor=LOCAL_ADMIN)


def set_safety_stock(
    uow: SqlUnitOfWork, ctx: NodeContext, part_number: str, quantity: int
) -> SafetyStockResult:
    v.non_negative(quantity, "safety stock")
    part, pool = locked_part(uow, part_number)
    explanation = configured_explanation(quantity, part.unit_of_measure)
    return _store_safety_stock(uow, ctx, part, pool, quantity, explanation)


def _store_safety_stock(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    part: Part,
    pool: PartPool,
    quantity: int,
    explanation: str,
) -> SafetyStockResult:
    pool.safety_stock_quantity = quantity
    pool.safety_stock_explanation = explanation
    publish(uow, ctx, [(part, pool)], LOCAL_ADMIN)
    view = pool_share.pool_view(ctx, part, pool)
    uow.record(
        "safety_stock.set",
        "part",
        part.part_number,
        {
            "part_number": part.part_number,
            "safety_stock_quantity": quantity,
            "explanation": explanation,
        },
        actor=LOCAL_ADMIN,
        part_number=part.part_number,
    )
    return SafetyStockResult(view, explanation)


def compute_safety_stock(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    part_number: str,
    service_level: Decimal,
    history_days: int,
) -> SafetyStockResult:
    try:
        level = Decimal(service_level)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"service level {service_level!r} is not a decimal number") from None
    if (
        isinstance(history_days, bool)
        or not isinstance(history_days, int)
        or not 2 <= history_days <= 3650
    ):
        raise InvalidInput(f"history days {history_days!r} must be between 2 and 3650")
    part, pool = locked_part(uow, part_number)
    capacity = uow.session.get(Capacity, part.id)
    if capacity is None:
        raise PreconditionFailed(
            f"part {part.part_number} has no lead time; set its capacity and lead time first"
        )
    demand = daily_demand(uow, part.id, history_days)
    calc = computed_safety_stock(demand, level, capacity.lead_time_days, part.unit_of_measure)
    return _store_safety_stock(uow, ctx, part, pool, calc.quantity, calc.explanation)


def daily_demand(uow: SqlUnitOfWork, part_id: int, history_days: int) -> list[int]:
    """Units issued to sales per UTC day over the last `history_days` whole days (zeros too)."""
    today_start = start_of_day_ms(utc_date(uow.now_ms))
    since = today_start - history_days * DAY_MS
    per_day: dict[int, int] = defaultdict(int)
    rows = uow.session.execute(
        select(StockMovement.booked_at_ms, StockMovement.quantity_delta).where(
            StockMovement.part_id == part_id,
            StockMovement.movement_type == MovementType.SALES_ISSUE.value,
            StockMovement.booked_at_ms >= since,
            StockMovement.booked_at_ms < today_start,
        )
    ).all()
    for booked_at, delta in rows:
        per_day[(booked_at - since) // DAY_MS] -= delta
    return [per_day[day] for day in range(history_days)]


def set_capacity(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    part_number: str,
    capacity_per_day: int,
    lead_time_days: int,
    unit_price_micros: int,
    currency: str,
) -> None:
    v.non_negative(capacity_per_day, "capacity per day")
    v.non_negative(lead_time_days, "lead time days")
    if lead_time_days > 3650:
        raise InvalidInput(f"lead time {lead_time_days} days is more than ten years")
    v.non_negative(unit_price_micros, "unit price")
    v.currency(currency)
    part, _ = locked_part(uow, part_number)
    row = uow.session.get(Capacity, part.id)
    if row is None:
        row = Capacity(part_id=part.id)
        uow.session.add(row)
    row.capacity_per_day = capacity_per_day
    row.lead_time_days = lead_time_days
    row.unit_price_micros = unit_price_micros
    row.currency = currency
    row.updated_at_ms = uow.now_ms
    uow.record(
        "capacity.set",
        "part",
        part.part_number,
        {
            "part_number": part.part_number,
            "capacity_per_day": capacity_per_day,
            "lead_time_days": lead_time_days,
            "unit_price_micros": unit_price_micros,
            "currency": currency,
        },
        actor=LOCAL_ADMIN,
        part_number=part.part_number,
    )


def set_pool_policy(
    uow: SqlUnitOfWork, ctx: NodeContext, part_number: str, opted_out: bool
) -> PoolShareView:
    if not isinstance(opted_out, bool):
        raise InvalidInput("opted_out must be true or false")
    part, pool = locked_part(uow, part_number)
    if pool.opted_out != opted_out:
        pool.opted_out = opted_out
        uow.record(
            "pool_policy.set",
            "part",
            part.part_number,
            {"part_number": part.part_number, "opted_out": opted_out},
            actor=LOCAL_ADMIN,
            part_number=part.part_number,
        )
    publish(uow, ctx, [(part, pool)], LOCAL_ADMIN)
    return pool_share.pool_view(ctx, part, pool)


def set_shipping_lane(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    destination: str,
    cost_per_unit_micros: int,
    fixed_cost_micros: int,
    transit_time_hours: int,
    currency: str,
) -> None:
    v.code(destination, "destination")
    v.non_negative(cost_per_unit_micros, "shipping cost per unit")
    v.non_negative(fixed_cost_micros, "shipment fixed cost")
    v.non_negative(transit_time_hours, "transit time hours")
    v.currency(currency)
    row = uow.session.get(ShippingLane, destination)
    if row is None:
        row = ShippingLane(destination=destination)
        uow.session.add(row)
    row.shipping_cost_per_unit_micros = cost_per_unit_micros
    row.shipment_fixed_cost_micros = fixed_cost_micros
    row.transit_time_hours = transit_time_hours
    row.currency = currency
    row.updated_at_ms = uow.now_ms
    uow.record(
        "shipping_lane.set",
        "shipping_lane",
        destination,
        {
            "destination": destination,
            "shipping_cost_per_unit_micros": cost_per_unit_micros,
            "shipment_fixed_cost_micros": fixed_cost_micros,
            "transit_time_hours": transit_time_hours,
            "currency": currency,
        },
        actor=LOCAL_ADMIN,
    )
