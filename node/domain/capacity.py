"""What production capacity can still deliver by a due time."""

from __future__ import annotations

from dataclasses import dataclass

from node.domain.clock import DAY_MS, HOUR_MS


@dataclass(frozen=True)
class Capacity:
    capacity_per_day: int
    lead_time_days: int
    unit_price_micros: int
    currency: str


def producible_quantity(
    capacity: Capacity | None,
    *,
    now_ms: int,
    due_at_ms: int,
    transit_hours: int,
    outstanding: int,
) -> int:
    """Units producible and shippable by `due_at - transit`.

    Production starts after the lead time and makes `capacity_per_day` units per whole day;
    units already promised to production reservations are made first.
    """
    if capacity is None or capacity.capacity_per_day <= 0:
        return 0
    ship_by_ms = due_at_ms - transit_hours * HOUR_MS
    production_days = (ship_by_ms - now_ms) // DAY_MS - capacity.lead_time_days
    if production_days <= 0:
        return 0
    return max(0, production_days * capacity.capacity_per_day - outstanding)


def production_ready_at_ms(
    capacity: Capacity, *, now_ms: int, outstanding: int, quantity: int
) -> int:
    """When `quantity` more units, queued behind `outstanding`, are made and can ship."""
    per_day = capacity.capacity_per_day
    days = capacity.lead_time_days + -(-(outstanding + quantity) // per_day)
    return now_ms + days * DAY_MS
