"""Pool-share arithmetic: what a member pledges to the alliance per part and how much is free."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from node.domain.lots import StockSummary


@dataclass(frozen=True)
class PoolNumbers:
    safety_stock: int
    pool_fraction: Decimal
    contributed: int
    reserved: int
    free: int
    opted_out: bool


def pledged(pool_fraction: Decimal, safety_stock: int) -> int:
    """floor(fraction x safety stock), exact in decimal arithmetic."""
    return int((pool_fraction * safety_stock).to_integral_value(rounding=ROUND_FLOOR))


def pool_numbers(
    *,
    pool_fraction: Decimal,
    safety_stock: int,
    stock: StockSummary,
    reserved: int,
    opted_out: bool,
) -> PoolNumbers:
    """contributed = min(floor(fraction x SS), on hand - blocked - expired);
    free = contributed - reserved.

    An opted-out part contributes nothing; pending holds stay visible as reserved until they end.
    """
    if opted_out:
        contributed = 0
    else:
        contributed = max(0, min(pledged(pool_fraction, safety_stock), stock.usable))
    free = max(0, contributed - reserved)
    return PoolNumbers(safety_stock, pool_fraction, contributed, reserved, free, opted_out)


def shortfall_note(
    requested: int, numbers: PoolNumbers, stock: StockSummary, part_number: str
) -> str:
    """Why the pool offers less than `requested` of a part, in words a planner understands."""
    if numbers.opted_out:
        return f"part {part_number} is not pooled (opted out)"
    reasons: list[str] = []
    cap = pledged(numbers.pool_fraction, numbers.safety_stock)
    if cap == 0:
        reasons.append(f"no safety stock pledged (safety stock {numbers.safety_stock})")
    elif stock.usable < cap:
        reasons.append(
            f"usable stock {stock.usable} (on hand {stock.on_hand}, blocked {stock.blocked}, "
            f"expired {stock.expired}) is below the pledge {cap}"
        )
    else:
        reasons.append(
            f"pool share is {numbers.pool_fraction} x safety stock {numbers.safety_stock} = {cap}"
        )
    if numbers.reserved:
        reasons.append(f"{numbers.reserved} already reserved")
    reasons.extend(stock.unavailable_lots)
    return (
        f"asked {requested} of part {part_number}, pool share free {numbers.free} of "
        f"contributed {numbers.contributed}: " + "; ".join(reasons)
    )
