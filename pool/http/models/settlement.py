"""Settlement and fairness models: who shipped what to whom, and contributed versus drawn."""

from __future__ import annotations

from pydantic import BaseModel


class SettlementLinePublic(BaseModel):
    plan_id: str
    demand_id: str
    tenant_id: str
    member_id: str
    part_number: str
    quantity: int
    unit_price_micros: int
    amount_micros: int
    currency: str
    confirmed_at_ms: int


class SettlementPublic(BaseModel):
    data: list[SettlementLinePublic]
    count: int


class FairnessRowPublic(BaseModel):
    member_id: str
    part_number: str
    contributed_quantity: int
    average_contributed_quantity: int
    drawn_quantity: int
    contribution_share_ppm: int
    draw_share_ppm: int


class FairnessPublic(BaseModel):
    since_ms: int
    until_ms: int | None  # None: up to the moment of the request
    data: list[FairnessRowPublic]
    count: int
