"""Urgent demand API: automakers submit demands and read their status and plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from pool.domain.demand import TERMINAL
from pool.http.deps import CoordinatorDep, CurrentPrincipal, IdempotencyKey
from pool.http.logs import annotate_request
from pool.http.models.demand import (
    CODE_PATTERN,
    DemandCreate,
    DemandPublic,
    DemandsPublic,
    PlanPublic,
)
from pool.http.problems import ProblemException, problem_responses
from pool.service import api

router = APIRouter(prefix="/v1/demands", tags=["demands"])

MAX_WAIT_MS = 30_000
DemandId = Annotated[str, Path(max_length=200, pattern=CODE_PATTERN)]


def _annotate(demand: api.DemandView) -> None:
    annotate_request(
        demand_id=demand.demand_id, plan_id=demand.plan.plan_id if demand.plan else None
    )


@router.post(
    "",
    operation_id="createDemand",
    response_model=DemandPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Submit an urgent demand",
    responses={
        200: {"model": DemandPublic, "description": "replay: the demand stored under this key"},
        **problem_responses(400, 401, 403, 409, 422, 429),
    },
)
def create_demand(
    body: DemandCreate,
    response: Response,
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    idempotency_key: IdempotencyKey,
) -> DemandPublic:
    """Stores the demand and starts planning at once. Retrying with the same Idempotency-Key
    and body returns the stored demand (200); the same key with another body is refused (409).
    """
    annotate_request(idempotency_key=idempotency_key)
    demand, replayed = coordinator.submit_demand(principal, body.to_domain(), idempotency_key)
    _annotate(demand)
    response.headers["Location"] = f"/v1/demands/{demand.demand_id}"
    if replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return DemandPublic.from_view(demand)


@router.get(
    "",
    operation_id="listDemands",
    response_model=DemandsPublic,
    summary="The caller's latest demands",
    responses=problem_responses(401, 403, 422, 429),
)
def list_demands(
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    status_filter: Annotated[api.DemandStatus | None, Query(alias="status")] = None,
) -> DemandsPublic:
    demands = coordinator.list_demands(principal, limit=limit)
    if status_filter is not None:
        demands = [d for d in demands if d.status is status_filter]
    return DemandsPublic(data=[DemandPublic.from_view(d) for d in demands], count=len(demands))


@router.get(
    "/{demand_id}",
    operation_id="getDemand",
    response_model=DemandPublic,
    summary="A demand with its status and plan",
    responses=problem_responses(401, 403, 404, 422, 429),
)
def get_demand(
    demand_id: DemandId,
    principal: CurrentPrincipal,
    coordinator: CoordinatorDep,
    wait_ms: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_WAIT_MS,
            description="Long poll: answer as soon as the demand is confirmed or failed, or "
            "after this many milliseconds with its status then (0: at once).",
        ),
    ] = 0,
) -> DemandPublic:
    """With `wait_ms` an automaker learns the final status the moment it is decided, without
    polling; a timeout is not an error, the status says how far planning got."""
    demand = coordinator.wait_for_demand(principal, demand_id, tuple(TERMINAL), wait_ms / 1000)
    _annotate(demand)
    return DemandPublic.from_view(demand)


@router.get(
    "/{demand_id}/plan",
    operation_id="getDemandPlan",
    response_model=PlanPublic,
    summary="The demand's current plan",
    responses=problem_responses(401, 403, 404, 422, 429),
)
def get_demand_plan(
    demand_id: DemandId, principal: CurrentPrincipal, coordinator: CoordinatorDep
) -> PlanPublic:
    """404 until a plan is decided; the demand's status says how far planning got."""
    demand = coordinator.get_demand(principal, demand_id)
    _annotate(demand)
    if demand.plan is None:
        raise ProblemException(
            404,
            "not-found",
            f"demand {demand_id} has no plan yet (status {demand.status.value})",
        )
    demanded = sum(line.quantity for line in demand.lines)
    return PlanPublic.from_view(demand.plan, demanded)
