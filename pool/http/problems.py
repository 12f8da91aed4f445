"""RFC 9457 problem details: every error the HTTP edge returns, whatever raised it."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pool.http.models.problem import InvalidParam, Problem
from pool.service import api

PROBLEM_MEDIA_TYPE = "application/problem+json"
WWW_AUTHENTICATE = 'Bearer realm="alliance-pool"'

# slug -> what the problem type means; served at /problems/{slug} so `type` dereferences.
PROBLEM_TYPES: dict[str, str] = {
    "bad-request": "The request could not be understood.",
    "malformed-json": "The body is not valid JSON.",
    "idempotency-key-missing": "POST /v1/demands needs an Idempotency-Key header.",
    "validation-error": "Some fields are missing or have the wrong type or range; "
    "see invalid-params.",
    "invalid-input": "The request is well-formed but the coordinator refuses its content.",
    "unauthenticated": "Send Authorization: Bearer <api key>.",
    "forbidden": "The caller may not see or do this.",
    "not-found": "No such resource, or not visible to the caller.",
    "method-not-allowed": "The resource does not support this method; see the Allow header.",
    "idempotency-conflict": "The Idempotency-Key was used before with a different body.",
    "precondition-failed": "Valid, but the alliance's state refuses it.",
    "rate-limited": "Too many requests; retry after the Retry-After seconds.",
    "internal-error": "The coordinator failed unexpectedly; the request id identifies the log.",
    "http-error": "An HTTP error without a more specific type.",
}

_POOL_ERRORS: list[tuple[type[api.PoolError], int, str]] = [
    (api.InvalidInput, 422, "invalid-input"),
    (api.Unauthenticated, 401, "unauthenticated"),
    (api.Forbidden, 403, "forbidden"),
    (api.NotFound, 404, "not-found"),
    (api.IdempotencyConflict, 409, "idempotency-conflict"),
    (api.PreconditionFailed, 409, "precondition-failed"),
    (api.RateLimited, 429, "rate-limited"),
]

_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    429: "rate-limited",
    500: "internal-error",
}


class ProblemException(Exception):
    """Raised by the edge itself (auth, missing plan) to answer with a problem."""

    def __init__(
        self, status: int, slug: str, detail: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.headers = dict(headers or {})


def problem_response(
    request: Request | None,
    status: int,
    slug: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    invalid_params: list[InvalidParam] | None = None,
    instance: str = "",
) -> JSONResponse:
    problem = Problem(
        type=f"/problems/{slug}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else instance,
        invalid_params=invalid_params,
    )
    return JSONResponse(
        problem.model_dump(by_alias=True, exclude_none=True),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def pool_error_status(exc: api.PoolError) -> tuple[int, str]:
    for cls, status, slug in _POOL_ERRORS:
        if isinstance(exc, cls):
            return status, slug
    return 400, "bad-request"


async def _on_pool_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, api.PoolError)
    status, slug = pool_error_status(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, api.RateLimited):
        headers["Retry-After"] = str(max(1, int(exc.retry_after_s)))
    if isinstance(exc, api.Unauthenticated):
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return problem_response(
        request, status, slug, str(exc) or HTTPStatus(status).phrase, headers=headers
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemException)
    return problem_response(request, exc.status, exc.slug, exc.detail, headers=exc.headers)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _STATUS_SLUGS.get(exc.status_code, "http-error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(request, exc.status_code, slug, detail, headers=exc.headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(request, 400, "malformed-json", "the body is not valid JSON")
    if any(_is_missing_idempotency_key(e) for e in errors):
        return problem_response(
            request,
            400,
            "idempotency-key-missing",
            "send an Idempotency-Key header: a unique string per demand, reused only to retry it",
        )
    params = [_invalid_param(e) for e in errors]
    names = ", ".join(p.name for p in params[:5]) + (" ..." if len(params) > 5 else "")
    return problem_response(
        request,
        422,
        "validation-error",
        f"{len(params)} invalid field(s): {names}",
        invalid_params=params,
    )


def _location(error: Mapping[str, object]) -> list[str | int]:
    loc = error.get("loc", ())
    return list(loc) if isinstance(loc, list | tuple) else []


def _is_missing_idempotency_key(error: Mapping[str, object]) -> bool:
    loc = tuple(str(x).lower() for x in _location(error))
    return error.get("type") == "missing" and loc == ("header", "idempotency-key")


def _invalid_param(error: Mapping[str, object]) -> InvalidParam:
    loc = _location(error)
    where = str(loc[0]) if loc else "body"
    name = ""
    for part in loc[1:]:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return InvalidParam(name=name or where, location=where, reason=str(error.get("msg", "")))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(api.PoolError, _on_pool_error)
    app.add_exception_handler(ProblemException, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)


# Documented on every route so the OpenAPI schema says what errors look like.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    return {
        s: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": HTTPStatus(s).phrase,
        }
        for s in statuses
    }
