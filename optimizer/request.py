"""The optimizer's input: demand lines, supplier offers and the planning policy (no floats)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Micros = Annotated[int, Field(ge=0, le=10**15, description="Money in micro-units (1e-6).")]
Quantity = Annotated[int, Field(ge=0, le=10**12, description="Units of the part's base unit.")]
EpochMs = Annotated[int, Field(ge=0, le=10**14, description="Epoch milliseconds (UTC).")]

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DemandLine(_Frozen):
    """One line of an urgent demand: a part, a quantity, where and by when."""

    line_id: str = Field(min_length=1, max_length=200, description="Unique within the request.")
    part_number: str = Field(min_length=1, max_length=200)
    quantity: Annotated[int, Field(gt=0, le=10**12, description="Units demanded.")]
    due_at: EpochMs = Field(description="Latest arrival time at the destination.")
    destination: str = Field(min_length=1, max_length=200, description="UN/LOCODE or GLN.")
    priority: int = Field(
        default=1, ge=1, le=10,
        description="Multiplies this line's shortage and lateness penalties (1 = normal).",
    )
    allow_partial: bool = Field(
        default=True, description="False: the line is filled completely or not at all."
    )
    allow_split: bool = Field(
        default=True, description="False: at most one shipment (one supplier, one source)."
    )


class Lane(_Frozen):
    """How a supplier ships one part to one destination."""

    destination: str = Field(min_length=1, max_length=200, description="As in DemandLine.")
    shipping_cost_per_unit_micros: Micros = 0
    shipment_fixed_cost_micros: Micros = 0
    transit_time_hours: Annotated[int, Field(ge=0, le=10**6)] = Field(
        default=0, description="Hours from shipping to arrival."
    )


class Offer(_Frozen):
    """What one supplier offers for one part: pooled stock now and production capacity."""

    supplier_id: str = Field(min_length=1, max_length=200, description="The member's id.")
    part_number: str = Field(min_length=1, max_length=200)
    stock_quantity: Quantity = Field(default=0, description="Pool quantity free now.")
    stock_ready_at: EpochMs | None = Field(
        default=None, description="Earliest ship time of the stock; defaults to now_at."
    )
    capacity_per_day: Quantity = Field(default=0, description="Production units per day.")
    lead_time_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        default=0, description="Days before production starts; then capacity_per_day a day."
    )
    producible_quantity: Quantity | None = Field(
        default=None, description="Cap on all production for this request; none: capacity only."
    )
    unit_price_micros: Micros
    production_unit_price_micros: Micros | None = Field(
        default=None, description="Unit price of produced units; defaults to unit_price_micros."
    )
    reliability_permille: Annotated[int, Field(ge=0, le=1000)] = Field(
        default=1000, description="Reliability score, 1000 = always delivers as promised."
    )
    contributed_quantity: Quantity = Field(
        default=0, description="The supplier's contribution to the pool for this part."
    )
    drawn_quantity: Quantity = Field(
        default=0, description="Units already drawn from this supplier's pool share earlier."
    )
    lanes: tuple[Lane, ...] = Field(
        default=(), description="Shipping per destination; no lane: cannot serve it."
    )

    @property
    def production_price_micros(self) -> int:
        if self.production_unit_price_micros is None:
            return self.unit_price_micros
        return self.production_unit_price_micros

    def lane_to(self, destination: str) -> Lane | None:
        for lane in self.lanes:
            if lane.destination == destination:
                return lane
        return None

    @model_validator(mode="after")
    def _one_lane_per_destination(self) -> Offer:
        destinations = [lane.destination for lane in self.lanes]
        if len(destinations) != len(set(destinations)):
            raise ValueError("at most one lane per destination")
        return self


class ObjectiveTerm(StrEnum):
    FILL_RATE = "fill_rate"
    ON_TIME = "on_time"
    COST = "cost"
    SHIPMENTS = "shipments"
    FAIRNESS = "fairness"


DEFAULT_PRIORITY_ORDER = (
    ObjectiveTerm.FILL_RATE,
    ObjectiveTerm.ON_TIME,
    ObjectiveTerm.COST,
    ObjectiveTerm.SHIPMENTS,
    ObjectiveTerm.FAIRNESS,
)


class Weights(_Frozen):
    """Explicit penalties in micros; any left unset is derived from the priority order."""

    shortage_per_unit_micros: Micros | None = None
    late_per_unit_micros: Micros | None = None
    shipment_micros: Micros | None = Field(
        default=None, description="Split penalty per shipment, on top of its fixed cost."
    )
    fairness_per_unit_micros: Micros | None = Field(
        default=None, description="Per unit a supplier's pool draw deviates from its share."
    )
    unreliability_per_unit_micros: Micros | None = Field(
        default=None, description="Per unit from a supplier of reliability 0 (scaled linearly)."
    )


Backend = Literal[
    "auto", "highs", "highs_mpsolver", "scip", "scip_mathopt", "cp_sat", "cbc", "greedy"
]


class Policy(_Frozen):
    """How to weigh the objective's terms and how long to search."""

    priority_order: tuple[ObjectiveTerm, ...] = Field(
        default=DEFAULT_PRIORITY_ORDER,
        description="Most important first; derives the weights not given explicitly.",
    )
    weights: Weights = Field(default=Weights(), description="Explicit penalties override.")
    max_suppliers_per_line: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="At most this many suppliers ship to one line."
    )
    allow_late: bool = Field(
        default=False, description="Allow arrivals after due_at, penalised per unit."
    )
    max_lateness_hours: Annotated[int, Field(ge=0, le=10**5)] = Field(
        default=0, description="With allow_late: how late at most."
    )
    time_limit_ms: Annotated[int, Field(ge=1, le=3_600_000)] = Field(
        default=2_000, description="Wall time for the whole solve, explanations included."
    )
    relative_gap_ppm: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        default=100, description="Stop when proven within this gap (parts per million)."
    )
    backend: Backend = Field(default="auto", description="auto: the measured choice.")
    workers: Annotated[int, Field(ge=1, le=64)] = Field(
        default=1, description="Processes solving independent parts in parallel."
    )
    explain: bool = Field(default=True, description="Produce explanations (EN and ZH).")

    @model_validator(mode="after")
    def _order_is_a_permutation(self) -> Policy:
        if sorted(self.priority_order) != sorted(DEFAULT_PRIORITY_ORDER):
            raise ValueError("priority_order must list each objective term exactly once")
        return self


class PlanRequest(_Frozen):
    """Everything the optimizer needs to plan one demand."""

    plan_id: str = Field(default="plan", max_length=200, description="Echoed in the plan.")
    now_at: EpochMs = Field(description="Planning time; stock ships and production starts here.")
    lines: tuple[DemandLine, ...] = Field(description="The demand, one entry per line.")
    offers: tuple[Offer, ...] = Field(
        default=(), description="At most one per (supplier_id, part_number)."
    )
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _unique_keys(self) -> PlanRequest:
        line_ids = [line.line_id for line in self.lines]
        if len(line_ids) != len(set(line_ids)):
            raise ValueError("line_id must be unique")
        keys = [(o.supplier_id, o.part_number) for o in self.offers]
        if len(keys) != len(set(keys)):
            raise ValueError("at most one offer per (supplier_id, part_number)")
        return self
