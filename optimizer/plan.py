"""The optimizer's output: allocations, shortages, objective, solver report and explanations."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["stock", "production"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Allocation(_Frozen):
    """One shipment: a supplier sends this quantity of a line's part from stock or production."""

    line_id: str
    part_number: str
    supplier_id: str
    quantity: int
    source: Source
    ship_at: int
    arrival_at: int
    late: bool
    unit_price_micros: int
    shipping_cost_micros: int = Field(description="quantity x shipping cost per unit.")
    shipment_fixed_cost_micros: int
    landed_cost_micros: int = Field(description="Goods + shipping + fixed cost of the shipment.")


class ReasonCode(StrEnum):
    # why an allocation was made
    CHEAPEST_LANDED_COST = "cheapest_landed_cost"
    ONLY_SOURCE_IN_TIME = "only_source_in_time"
    FAIRNESS_BALANCING = "fairness_balancing"
    CHEAPER_CAPACITY_EXHAUSTED = "cheaper_capacity_exhausted"
    SPLIT_AVOIDED = "split_avoided"
    LATE_PENALISED = "late_penalised"
    # why a candidate was not chosen
    HIGHER_LANDED_COST = "higher_landed_cost"
    CAPACITY_EXHAUSTED = "capacity_exhausted"
    TOO_LATE = "too_late"
    NO_ROUTE = "no_route"
    NO_CAPACITY = "no_capacity"
    MAX_SUPPLIERS_REACHED = "max_suppliers_reached"
    # why a quantity stays unfilled
    NO_OFFER = "no_offer"
    INSUFFICIENT_SUPPLY = "insufficient_supply"
    PARTIAL_NOT_ALLOWED = "partial_not_allowed"
    SPLIT_NOT_ALLOWED = "split_not_allowed"
    UNECONOMIC = "uneconomic"


class Unfilled(_Frozen):
    line_id: str
    part_number: str
    quantity: int
    reason: ReasonCode
    text_en: str
    text_zh: str


class Objective(_Frozen):
    """The objective by term, in micros; total is their sum."""

    goods_micros: int = 0
    shipping_micros: int = 0
    fixed_micros: int = 0
    unreliability_micros: int = 0
    shortage_micros: int = 0
    late_micros: int = 0
    shipment_penalty_micros: int = 0
    fairness_micros: int = Field(default=0, description="Rounded half-even from an exact ratio.")
    total_micros: int = 0


class Counterfactual(_Frozen):
    """What would have to change for the decision to change."""

    kind: Literal[
        "unit_price_at_most",  # the candidate wins at or below this unit price
        "unit_price_above",  # the chosen supplier loses above this unit price
        "hours_earlier",  # arriving this many hours earlier makes it in time
        "more_quantity",  # this many more units available would change it
    ]
    supplier_id: str
    value: int


class Explanation(_Frozen):
    line_id: str
    supplier_id: str
    chosen: bool
    source: Source | None = None
    reason: ReasonCode
    counterfactual: Counterfactual | None = None
    text_en: str
    text_zh: str


class SolverReport(_Frozen):
    backend: str
    status: Literal["optimal", "feasible", "fallback"]
    objective_micros: int
    bound_micros: int = Field(description="Proven lower bound on the objective.")
    gap_ppm: int = Field(description="(objective - bound) / objective in parts per million.")
    solve_ms: int = Field(description="Wall time; the only field that differs between runs.")
    parts: int
    parts_optimal: int
    checks: tuple[str, ...] = Field(default=(), description="Problems the cross-checks caught.")


class Plan(_Frozen):
    plan_id: str
    allocations: tuple[Allocation, ...]
    unfilled: tuple[Unfilled, ...]
    objective: Objective
    solver: SolverReport
    explanations: tuple[Explanation, ...] = ()
    demanded_quantity: int
    filled_quantity: int
    shipments: int
