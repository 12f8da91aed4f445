"""Request dependencies as Annotated aliases: the coordinator, the caller, the idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pool.http.logs import annotate_request
from pool.http.problems import WWW_AUTHENTICATE, ProblemException
from pool.service import api

_bearer = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", description="an API key issued by the alliance"
)


def get_coordinator(request: Request) -> api.Coordinator:
    coordinator: api.Coordinator = request.app.state.coordinator
    return coordinator


CoordinatorDep = Annotated[api.Coordinator, Depends(get_coordinator)]


def authenticate_key(coordinator: api.Coordinator, api_key: str) -> api.Principal:
    """The principal behind a key; Unauthenticated and RateLimited become 401 and 429."""
    principal = coordinator.authenticate(api_key)
    annotate_request(principal=f"{principal.role.value}:{principal.subject}")
    return principal


def get_principal(
    coordinator: CoordinatorDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> api.Principal:
    if credentials is None or not credentials.credentials.strip():
        raise ProblemException(
            401,
            "unauthenticated",
            "send Authorization: Bearer <api key>",
            headers={"WWW-Authenticate": WWW_AUTHENTICATE},
        )
    return authenticate_key(coordinator, credentials.credentials.strip())


CurrentPrincipal = Annotated[api.Principal, Depends(get_principal)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="unique per demand (e.g. a UUID); send the same key to retry safely",
    ),
]
