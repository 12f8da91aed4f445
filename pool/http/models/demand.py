"""Demand API models: what an automaker posts and what it reads back."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pool.service import api

# The alliance's limits, mirrored from the coordinator's own checks (pool.domain.demand) so the
# schema documents them and the edge refuses absurd input before it reaches the coordinator.
MAX_LINES = 1000
MAX_QUANTITY = 10**12
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$"
UNIT_PATTERN = r"^[A-Z0-9]{2,3}$"
MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z

Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=200)]


class DemandLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    line_id: Code | None = Field(
        default=None, description="unique within the demand; defaults to the 1-based position"
    )
    part_number: Code = Field(description="alliance part number; unknown parts are refused")
    quantity: int = Field(gt=0, le=MAX_QUANTITY, description="in the part's unit")
    unit_of_measure: str = Field(pattern=UNIT_PATTERN, description="UN/CEFACT code, e.g. C62")
    due_at_ms: int = Field(ge=0, le=MAX_EPOCH_MS, description="epoch ms; must be in the future")
    destination: Code
    priority: int = Field(default=1, ge=1, le=10)
    allow_partial: bool = True
    allow_split: bool = True


class DemandCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    reference: str = Field(default="", max_length=200, description="your own order reference")
    lines: list[DemandLineCreate] = Field(min_length=1, max_length=MAX_LINES)

    def to_domain(self) -> api.DemandIn:
        return api.DemandIn(
            lines=tuple(
                api.DemandLineIn(
                    line_id=line.line_id or str(position),
                    part_number=line.part_number,
                    quantity=line.quantity,
                    unit_of_measure=line.unit_of_measure,
                    due_at_ms=line.due_at_ms,
                    destination=line.destination,
                    priority=line.priority,
                    allow_partial=line.allow_partial,
                    allow_split=line.allow_split,
                )
                for position, line in enumerate(self.lines, start=1)
            ),
            reference=self.reference,
        )


class DemandLinePublic(BaseModel):
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    due_at_ms: int
    destination: str
    priority: int
    allow_partial: bool
    allow_split: bool


class AllocationPublic(BaseModel):
    line_id: str
    member_id: str
    part_number: str
    quantity: int
    source: str = Field(description="stock or production")
    ship_at_ms: int
    arrival_at_ms: int
    unit_price_micros: int
    landed_cost_micros: int
    currency: str
    reservation_id: str
    state: api.AllocationState
    explanation_en: str
    explanation_zh: str


class ShortagePublic(BaseModel):
    line_id: str
    part_number: str
    quantity: int
    reason: str
    text_en: str
    text_zh: str


class NodeLeftOut(BaseModel):
    member_id: str
    reason: str


class PlanPublic(BaseModel):
    plan_id: str
    demand_id: str
    revision: int
    allocations: list[AllocationPublic]
    shortages: list[ShortagePublic]
    objective_micros: int
    bound_micros: int
    gap_ppm: int
    solver: str
    nodes_left_out: list[NodeLeftOut]
    timings_ms: dict[str, int]
    fill_rate_ppm: int = Field(description="allocated quantity / demanded quantity, in ppm")
    explanations: list[dict[str, Any]]

    @classmethod
    def from_view(cls, plan: api.PlanView, demanded: int) -> PlanPublic:
        allocated = sum(
            a.quantity
            for a in plan.allocations
            if a.state not in (api.AllocationState.RELEASED, api.AllocationState.REFUSED)
        )
        return cls(
            plan_id=plan.plan_id,
            demand_id=plan.demand_id,
            revision=plan.revision,
            allocations=[
                AllocationPublic.model_validate(a, from_attributes=True) for a in plan.allocations
            ],
            shortages=[
                ShortagePublic.model_validate(s, from_attributes=True) for s in plan.shortages
            ],
            objective_micros=plan.objective_micros,
            bound_micros=plan.bound_micros,
            gap_ppm=plan.gap_ppm,
            solver=plan.solver,
            nodes_left_out=[NodeLeftOut(member_id=m, reason=r) for m, r in plan.nodes_left_out],
            timings_ms=dict(plan.timings_ms),
            fill_rate_ppm=allocated * 1_000_000 // demanded if demanded else 0,
            explanations=[dict(e) for e in plan.explanations],
        )


class DemandPublic(BaseModel):
    demand_id: str
    tenant_id: str
    reference: str
    status: api.DemandStatus
    lines: list[DemandLinePublic]
    created_at_ms: int
    updated_at_ms: int
    plan: PlanPublic | None
    failure: str

    @classmethod
    def from_view(cls, demand: api.DemandView) -> DemandPublic:
        demanded = sum(line.quantity for line in demand.lines)
        return cls(
            demand_id=demand.demand_id,
            tenant_id=demand.tenant_id,
            reference=demand.reference,
            status=demand.status,
            lines=[DemandLinePublic.model_validate(x, from_attributes=True) for x in demand.lines],
            created_at_ms=demand.created_at_ms,
            updated_at_ms=demand.updated_at_ms,
            plan=PlanPublic.from_view(demand.plan, demanded) if demand.plan else None,
            failure=demand.failure,
        )


class DemandsPublic(BaseModel):
    data: list[DemandPublic]
    count: int
