"""Settlement of confirmed plans, and fairness: contributed to the pool versus drawn."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pool.http.deps import CoordinatorDep, CurrentPrincipal
from pool.http.models.demand import MAX_EPOCH_MS
from pool.http.models.settlement import (
    FairnessPublic,
    FairnessRowPublic,
    SettlementLinePublic,
    SettlementPublic,
)
from pool.http.problems import problem_responses

router = APIRouter(tags=["settlement"])


@router.get(
    "/v1/settlement",
    operation_id="listSettlement",
    response_model=SettlementPublic,
    summary="Who shipped what to whom at what price",
    responses=problem_responses(401, 403, 422, 429),
)
def list_settlement(
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    since_ms: Annotated[int, Query(ge=0, le=MAX_EPOCH_MS)] = 0,
) -> SettlementPublic:
    lines = coordinator.settlement(principal, since_ms=since_ms)
    return SettlementPublic(
        data=[SettlementLinePublic.model_validate(x, from_attributes=True) for x in lines],
        count=len(lines),
    )


@router.get(
    "/v1/fairness",
    operation_id="listFairness",
    response_model=FairnessPublic,
    summary="Per supplier and part over a period: time-weighted share of the pool kept "
    "versus share of the draws",
    responses=problem_responses(401, 403, 422, 429),
)
def list_fairness(
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    since_ms: Annotated[int, Query(ge=0, le=MAX_EPOCH_MS)] = 0,
    until_ms: Annotated[int | None, Query(ge=1, le=MAX_EPOCH_MS)] = None,
) -> FairnessPublic:
    rows = coordinator.fairness(principal, since_ms=since_ms, until_ms=until_ms)
    return FairnessPublic(
        since_ms=since_ms,
        until_ms=until_ms,
        data=[FairnessRowPublic.model_validate(x, from_attributes=True) for x in rows],
        count=len(rows),
    )
