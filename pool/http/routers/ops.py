"""Operational endpoints: liveness, Prometheus metrics, and the problem type descriptions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from pool.http.models.audit import HealthPublic
from pool.http.problems import PROBLEM_TYPES, ProblemException

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    operation_id="healthz",
    response_model=HealthPublic,
    summary="Liveness of the HTTP edge",
)
def healthz() -> HealthPublic:
    return HealthPublic(status="ok")


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=PlainTextResponse,
    response_model=str,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/problems/{slug}", include_in_schema=False, response_class=PlainTextResponse)
def problem_type(slug: str) -> str:
    if slug not in PROBLEM_TYPES:
        raise ProblemException(404, "not-found", f"no problem type {slug!r}")
    return f"{slug}: {PROBLEM_TYPES[slug]}\n"
