"""Small hand-built requests for the optimizer's rule tests."""

from __future__ import annotations

from optimizer.plan import Allocation, Explanation, Plan
from optimizer.request import DemandLine, Lane, Offer, PlanRequest, Policy

NOW = 1_767_225_600_000
HOUR = 3_600_000
DAY = 24 * HOUR
UNIT = 1_000_000  # one currency unit in micros


def line(
    line_id: str = "L1", part: str = "P1", quantity: int = 100, due_hours: int = 72,
    destination: str = "DEST", **extra: object,
) -> DemandLine:
    return DemandLine(
        line_id=line_id, part_number=part, quantity=quantity, due_at=NOW + due_hours * HOUR,
        destination=destination, **extra,
    )


def offer(
    supplier: str, part: str = "P1", *, stock: int = 0, price: int = 10 * UNIT,
    per_day: int = 0, lead_days: int = 0, shipping: int = 0, fixed: int = 0,
    transit_hours: int = 10, destination: str = "DEST", **extra: object,
) -> Offer:
    return Offer(
        supplier_id=supplier, part_number=part, stock_quantity=stock, unit_price_micros=price,
        capacity_per_day=per_day, lead_time_days=lead_days,
        lanes=(Lane(destination=destination, shipping_cost_per_unit_micros=shipping,
                    shipment_fixed_cost_micros=fixed, transit_time_hours=transit_hours),),
        **extra,
    )


def request(lines: list[DemandLine], offers: list[Offer], **policy: object) -> PlanRequest:
    return PlanRequest(now_at=NOW, lines=tuple(lines), offers=tuple(offers),
                       policy=Policy(**policy))


def shipped(plan: Plan, line_id: str | None = None) -> dict[tuple[str, str], int]:
    """(supplier, source) -> units, for one line or all."""
    out: dict[tuple[str, str], int] = {}
    for a in plan.allocations:
        if line_id is None or a.line_id == line_id:
            key = (a.supplier_id, a.source)
            out[key] = out.get(key, 0) + a.quantity
    return out


def allocations_of(plan: Plan, supplier: str) -> list[Allocation]:
    return [a for a in plan.allocations if a.supplier_id == supplier]


def explanation(plan: Plan, line_id: str, supplier: str, chosen: bool) -> Explanation:
    found = [e for e in plan.explanations
             if e.line_id == line_id and e.supplier_id == supplier and e.chosen == chosen]
    assert found, f"no explanation for {line_id}/{supplier} chosen={chosen}"
    return found[0]
