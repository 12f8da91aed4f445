"""The live pool view: per part, what the caller may see of contributions and free stock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pool.http.deps import CoordinatorDep, CurrentPrincipal
from pool.http.models.demand import Code
from pool.http.models.pool_view import PartPoolPublic, PoolPublic
from pool.http.problems import problem_responses

router = APIRouter(prefix="/v1/pool", tags=["pool"])


@router.get(
    "",
    operation_id="getPool",
    response_model=PoolPublic,
    summary="Pool levels by part (and supplier, where visible)",
    responses=problem_responses(401, 403, 422, 429),
)
def get_pool(
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    part_number: Annotated[
        list[Code] | None,
        Query(max_length=1000, description="repeat to select parts; all parts when absent"),
    ] = None,
) -> PoolPublic:
    """Suppliers see their own cells and the alliance totals, automakers the free totals,
    operations staff everything."""
    pools = coordinator.pool_view(principal, part_number or [])
    return PoolPublic(data=[PartPoolPublic.from_view(p) for p in pools], count=len(pools))
