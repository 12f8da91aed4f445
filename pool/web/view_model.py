"""What the dashboard shows, computed from the coordinator's views (no HTML here)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from pool.service import api

RECENT_DEMANDS = 25
_IN_FLIGHT = {
    api.DemandStatus.RECEIVED,
    api.DemandStatus.QUOTING,
    api.DemandStatus.PLANNING,
    api.DemandStatus.RESERVING,
    api.DemandStatus.CONFIRMING,
    api.DemandStatus.COMPENSATING,
}


@dataclass(frozen=True)
class HeatCell:
    free: int
    contributed: int
    reserved: int
    stale: bool
    hue: int  # 0 red (nothing free) .. 140 green (all free)
    lightness: int


@dataclass(frozen=True)
class HeatRow:
    part_number: str
    unit: str
    free: int
    contributed: int
    cells: list[HeatCell | None]  # one per member column; None: the member pools no such part


@dataclass(frozen=True)
class DemandRow:
    demand_id: str
    tenant_id: str
    reference: str
    status: str
    lines: int
    quantity: int
    fill_rate_pct: float | None
    time_to_plan_ms: int | None
    total_ms: int | None
    revision: int | None
    left_out: str
    age_s: float


def heatmap(pools: list[api.PartPool]) -> tuple[list[str], list[HeatRow]]:
    members = sorted({c.member_id for p in pools for c in p.suppliers})
    rows = []
    for part in pools:
        by_member = {c.member_id: c for c in part.suppliers}
        cells = [_heat_cell(by_member[m]) if m in by_member else None for m in members]
        rows.append(
            HeatRow(
                part.part_number,
                part.unit_of_measure,
                part.free_quantity,
                part.contributed_quantity,
                cells,
            )
        )
    return members, rows


def _heat_cell(cell: api.PoolCell) -> HeatCell:
    ratio = cell.free_quantity / cell.contributed_quantity if cell.contributed_quantity else 0.0
    ratio = min(1.0, max(0.0, ratio))
    return HeatCell(
        cell.free_quantity,
        cell.contributed_quantity,
        cell.reserved_quantity,
        cell.stale,
        hue=round(140 * ratio),
        lightness=round(88 - 30 * ratio),
    )


def demand_rows(demands: list[api.DemandView], now_ms: float) -> list[DemandRow]:
    return [_demand_row(d, now_ms) for d in demands[:RECENT_DEMANDS]]


def _demand_row(demand: api.DemandView, now_ms: float) -> DemandRow:
    quantity = sum(line.quantity for line in demand.lines)
    plan = demand.plan
    fill = time_to_plan = total = None
    if plan is not None:
        allocated = sum(
            a.quantity
            for a in plan.allocations
            if a.state not in (api.AllocationState.RELEASED, api.AllocationState.REFUSED)
        )
        fill = 100.0 * allocated / quantity if quantity else 0.0
        time_to_plan = _time_to_plan_ms(plan)
        total = plan.timings_ms.get("total")
        if total is None and demand.status is api.DemandStatus.CONFIRMED:
            total = demand.updated_at_ms - demand.created_at_ms
    return DemandRow(
        demand_id=demand.demand_id,
        tenant_id=demand.tenant_id,
        reference=demand.reference,
        status=demand.status.value,
        lines=len(demand.lines),
        quantity=quantity,
        fill_rate_pct=fill,
        time_to_plan_ms=time_to_plan,
        total_ms=total,
        revision=plan.revision if plan else None,
        left_out=", ".join(f"{m} ({why})" for m, why in plan.nodes_left_out) if plan else "",
        age_s=max(0.0, (now_ms - demand.created_at_ms) / 1000),
    )


def _time_to_plan_ms(plan: api.PlanView) -> int | None:
    timings = plan.timings_ms
    if "quote" not in timings and "solve" not in timings:
        return None
    return timings.get("quote", 0) + timings.get("solve", 0)


def summary(
    members: list[api.MemberView], pools: list[api.PartPool], demands: list[api.DemandView]
) -> dict[str, object]:
    rows = demand_rows(demands, time.time() * 1000)
    fills = [r.fill_rate_pct for r in rows if r.fill_rate_pct is not None]
    plan_times = [r.time_to_plan_ms for r in rows if r.time_to_plan_ms is not None]
    active = [m for m in members if m.active]
    return {
        "members_active": len(active),
        "members_stale": sum(m.stale for m in active),
        "parts": len(pools),
        "free_total": sum(p.free_quantity for p in pools),
        "in_flight": sum(d.status in _IN_FLIGHT for d in demands),
        "confirmed": sum(d.status is api.DemandStatus.CONFIRMED for d in demands),
        "failed": sum(d.status is api.DemandStatus.FAILED for d in demands),
        "fill_rate_pct": statistics.fmean(fills) if fills else None,
        "time_to_plan_p50_ms": statistics.median(plan_times) if plan_times else None,
    }


def seconds_ago(at_ms: int | None, now_ms: float) -> float | None:
    return None if at_ms is None else max(0.0, (now_ms - at_ms) / 1000)
