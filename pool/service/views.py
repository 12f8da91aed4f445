"""Rows to the views of pool/service/api.py (and the demand lines' JSON form)."""

from __future__ import annotations

import dataclasses
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pool.adapters import orm
from pool.service.api import (
    AllocationState,
    AllocationView,
    DemandLineIn,
    DemandStatus,
    DemandView,
    MemberView,
    PlanView,
    PoolCell,
    ShortageView,
)

ALLOCATION_STATE = {
    "planned": AllocationState.PLANNED,
    "reserved": AllocationState.RESERVED,
    "confirmed": AllocationState.CONFIRMED,
    "released": AllocationState.RELEASED,
    "refused": AllocationState.REFUSED,
    "orphan": AllocationState.REFUSED,
    "in_doubt": AllocationState.IN_DOUBT,
}


def lines_to_json(lines: tuple[DemandLineIn, ...]) -> str:
    return json.dumps([dataclasses.asdict(x) for x in lines])


def lines_from_json(text: str) -> tuple[DemandLineIn, ...]:
    return tuple(DemandLineIn(**x) for x in json.loads(text))


def is_stale(member: orm.Member, now_ms: int, staleness_ms: int) -> bool:
    return member.last_event_at_ms is None or now_ms - member.last_event_at_ms > staleness_ms


def member_view(member: orm.Member, now_ms: int, staleness_ms: int) -> MemberView:
    return MemberView(
        member_id=member.member_id,
        name=member.name,
        endpoint=member.endpoint,
        audit_public_key=member.audit_public_key,
        active=member.active,
        registered_at_ms=member.registered_at_ms,
        revoked_at_ms=member.revoked_at_ms,
        last_event_at_ms=member.last_event_at_ms,
        last_sequence=member.last_sequence,
        stale=is_stale(member, now_ms, staleness_ms),
    )


def cell_view(cell: orm.Cell, stale: bool) -> PoolCell:
    return PoolCell(
        member_id=cell.member_id,
        part_number=cell.part_number,
        unit_of_measure=cell.unit_of_measure,
        contributed_quantity=cell.contributed_quantity,
        reserved_quantity=cell.reserved_quantity,
        free_quantity=cell.free_quantity,
        updated_at_ms=cell.updated_at_ms,
        stale=stale,
    )


def plan_view(session: Session, plan: orm.Plan) -> PlanView:
    reservations = {
        r.reservation_id: r
        for r in session.scalars(
            sa.select(orm.Reservation).where(orm.Reservation.plan_id == plan.plan_id)
        )
    }
    allocations = session.scalars(
        sa.select(orm.Allocation)
        .where(orm.Allocation.plan_id == plan.plan_id)
        .order_by(orm.Allocation.allocation_id)
    )
    return PlanView(
        plan_id=plan.plan_id,
        demand_id=plan.demand_id,
        revision=plan.revision,
        allocations=tuple(
            AllocationView(
                line_id=a.line_id,
                member_id=a.member_id,
                part_number=a.part_number,
                quantity=a.quantity,
                source=a.source,
                ship_at_ms=a.ship_at_ms,
                arrival_at_ms=a.arrival_at_ms,
                unit_price_micros=a.unit_price_micros,
                landed_cost_micros=a.landed_cost_micros,
                currency=a.currency,
                reservation_id=a.reservation_id,
                state=ALLOCATION_STATE[reservations[a.reservation_id].state],
                explanation_en=a.explanation_en,
                explanation_zh=a.explanation_zh,
            )
            for a in allocations
        ),
        shortages=tuple(ShortageView(**s) for s in json.loads(plan.shortages_json)),
        objective_micros=plan.objective_micros,
        bound_micros=plan.bound_micros,
        gap_ppm=plan.gap_ppm,
        solver=plan.solver,
        nodes_left_out=tuple(tuple(x) for x in json.loads(plan.left_out_json)),  # type: ignore[misc]
        timings_ms=json.loads(plan.timings_json),
        explanations=tuple(json.loads(plan.explanations_json)),
    )


def demand_view(session: Session, demand: orm.Demand) -> DemandView:
    plan = session.scalar(sa.select(orm.Plan).where(orm.Plan.demand_id == demand.demand_id))
    return DemandView(
        demand_id=demand.demand_id,
        tenant_id=demand.tenant_id,
        reference=demand.reference,
        status=DemandStatus(demand.status),
        lines=lines_from_json(demand.lines_json),
        created_at_ms=demand.created_at_ms,
        updated_at_ms=demand.updated_at_ms,
        plan=plan_view(session, plan) if plan is not None and plan.revision > 0 else None,
        failure=demand.failure,
    )
