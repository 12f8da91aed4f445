"""Alliance members (supplier nodes) with their liveness as the coordinator sees it."""

from __future__ import annotations

from fastapi import APIRouter

from pool.http.deps import CoordinatorDep, CurrentPrincipal
from pool.http.models.members import MemberPublic, MembersPublic
from pool.http.problems import problem_responses

router = APIRouter(prefix="/v1/members", tags=["members"])


@router.get(
    "",
    operation_id="listMembers",
    response_model=MembersPublic,
    summary="Registered members, their endpoints and staleness",
    responses=problem_responses(401, 403, 429),
)
def list_members(principal: CurrentPrincipal, coordinator: CoordinatorDep) -> MembersPublic:
    members = coordinator.members(principal)
    return MembersPublic(data=[MemberPublic.from_view(m) for m in members], count=len(members))
