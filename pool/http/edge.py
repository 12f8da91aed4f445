"""The outermost ASGI layer: request ids, one JSON log line and metrics per request, and a
problem+json 500 (no internals) for anything that escaped the handlers."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pool.http.logs import start_request
from pool.http.metrics import PoolMetrics
from pool.http.problems import problem_response

log = structlog.get_logger("pool.http")
_REQUEST_ID_HEADER = b"x-request-id"


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, metrics: PoolMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        fields = start_request(request_id=request_id, method=scope["method"], path=scope["path"])
        started_at = time.perf_counter()
        response: dict[str, int] = {}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (_REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("request failed", **fields)
            if "status" not in response:
                problem = problem_response(
                    None,
                    500,
                    "internal-error",
                    f"the coordinator failed; quote request id {request_id}",
                    instance=scope["path"],
                )
                await problem(scope, receive, send_with_id)
            else:
                response["status"] = 500
        finally:
            seconds = time.perf_counter() - started_at
            status = response.get("status", 500)
            route = _route_template(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            log.info(
                "request",
                **{
                    **fields,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == _REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= 128 and text.isprintable():
                return text
    return None


def _route_template(scope: Scope) -> str:
    """The route's path template, not the raw path: bounded metric label cardinality."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
