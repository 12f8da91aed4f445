"""Pool view models: per part, alliance totals and the supplier cells the caller may see."""

from __future__ import annotations

from pydantic import BaseModel

from pool.service import api


class PoolCellPublic(BaseModel):
    member_id: str
    part_number: str
    unit_of_measure: str
    contributed_quantity: int
    reserved_quantity: int
    free_quantity: int
    updated_at_ms: int
    stale: bool


class PartPoolPublic(BaseModel):
    part_number: str
    unit_of_measure: str
    contributed_quantity: int
    reserved_quantity: int
    free_quantity: int
    suppliers: list[PoolCellPublic]

    @classmethod
    def from_view(cls, part: api.PartPool) -> PartPoolPublic:
        return cls(
            part_number=part.part_number,
            unit_of_measure=part.unit_of_measure,
            contributed_quantity=part.contributed_quantity,
            reserved_quantity=part.reserved_quantity,
            free_quantity=part.free_quantity,
            suppliers=[
                PoolCellPublic.model_validate(c, from_attributes=True) for c in part.suppliers
            ],
        )


class PoolPublic(BaseModel):
    data: list[PartPoolPublic]
    count: int
