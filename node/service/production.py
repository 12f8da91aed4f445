"""A part's production capacity as the domain rules see it, and how to explain it."""

from __future__ import annotations

from node.adapters.orm import Capacity
from node.domain.capacity import Capacity as CapacityRule


def capacity_of(row: Capacity | None) -> CapacityRule | None:
    if row is None:
        return None
    return CapacityRule(
        row.capacity_per_day, row.lead_time_days, row.unit_price_micros, row.currency
    )


def production_note(capacity: Capacity | None, transit_hours: int, outstanding: int) -> str:
    if capacity is None or capacity.capacity_per_day <= 0:
        return "no production capacity is set for the part"
    return (
        f"capacity {capacity.capacity_per_day}/day after a lead time of "
        f"{capacity.lead_time_days} days, transit {transit_hours} h, "
        f"{outstanding} already promised to production"
    )
