"""A part's pool share: recomputed from its lots after every change, published when it moves."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from node.adapters.orm import Lot, Part, PartPool
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain.clock import utc_date
from node.domain.lots import LotStock, StockSummary, summarize
from node.domain.pool_share import PoolNumbers, pool_numbers
from node.service.api import PoolShareView, QualityStatus
from node.service.context import NodeContext

POOL_SHARE_CHANGED = "pool_share.changed"


def lot_stock(lot: Lot) -> LotStock:
    return LotStock(
        lot.lot_number,
        QualityStatus(lot.quality_status),
        lot.expiry_date,
        lot.production_date,
        lot.on_hand,
        lot.reserved,
    )


def stock_summary(lots: Sequence[Lot], now_ms: int) -> StockSummary:
    return summarize([lot_stock(lot) for lot in lots], utc_date(now_ms))


def current_numbers(uow: SqlUnitOfWork, pool: PartPool, stock: StockSummary) -> PoolNumbers:
    return pool_numbers(
        pool_fraction=uow.pool_fraction(),
        safety_stock=pool.safety_stock_quantity,
        stock=stock,
        reserved=pool.reserved_quantity,
        opted_out=pool.opted_out,
    )


def pool_view(ctx: NodeContext, part: Part, pool: PartPool) -> PoolShareView:
    """The published pool share, as stored (and as the outbox last announced it)."""
    return PoolShareView(
        member_id=ctx.member_id,
        part_number=part.part_number,
        unit_of_measure=part.unit_of_measure,
        safety_stock_quantity=pool.safety_stock_quantity,
        pool_fraction=Decimal(pool.pool_fraction),
        contributed_quantity=pool.contributed_quantity,
        reserved_quantity=pool.reserved_quantity,
        free_quantity=pool.free_quantity,
        opted_out=pool.opted_out,
        updated_at_ms=pool.updated_at_ms,
    )


def refresh(
    uow: SqlUnitOfWork,
    ctx: NodeContext,
    part: Part,
    pool: PartPool,
    lots: Sequence[Lot],
    *,
    actor: str,
) -> PoolShareView:
    """Recompute the part's pool share; if any number moved, store it and emit the event."""
    numbers = current_numbers(uow, pool, stock_summary(lots, uow.now_ms))
    signature = (
        f"{numbers.safety_stock}|{numbers.pool_fraction}|{numbers.contributed}|"
        f"{numbers.reserved}|{numbers.free}|{int(numbers.opted_out)}"
    )
    today = utc_date(uow.now_ms)
    if pool.as_of_date != today:
        pool.as_of_date = today
    if signature != pool.published:
        pool.pool_fraction = str(numbers.pool_fraction)
        pool.contributed_quantity = numbers.contributed
        pool.free_quantity = numbers.free
        pool.published = signature
        pool.updated_at_ms = uow.now_ms
        view = pool_view(ctx, part, pool)
        uow.record(
            POOL_SHARE_CHANGED,
            "part",
            part.part_number,
            view,
            actor=actor,
            part_number=part.part_number,
        )
        return view
    return pool_view(ctx, part, pool)
