"""The coordinator's audit log status."""

from __future__ import annotations

from fastapi import APIRouter

from pool.http.deps import CoordinatorDep, CurrentPrincipal
from pool.http.models.audit import AuditStatusPublic
from pool.http.problems import problem_responses

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "/status",
    operation_id="getAuditStatus",
    response_model=AuditStatusPublic,
    summary="Log size, latest cosigned checkpoint and last offline verification",
    responses=problem_responses(401, 403, 429),
)
def get_audit_status(principal: CurrentPrincipal, coordinator: CoordinatorDep) -> AuditStatusPublic:
    return AuditStatusPublic.model_validate(
        coordinator.audit_status(principal), from_attributes=True
    )
