"""Structured JSON request logs; ids found while serving a request join its log line."""

from __future__ import annotations

import contextvars
import logging
import sys

import structlog

# One mutable dict per request: route handlers run in worker threads with a copy of the
# context, so they add ids to this shared dict rather than rebinding a context variable.
_request_fields: contextvars.ContextVar[dict[str, object] | None] = contextvars.ContextVar(
    "pool_http_request_fields", default=None
)


def configure_logging() -> None:
    """JSON lines on stderr, unless the process configured structlog already."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


def start_request(**fields: object) -> dict[str, object]:
    current: dict[str, object] = dict(fields)
    _request_fields.set(current)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**fields)
    return current


def annotate_request(**fields: object) -> None:
    """Attach ids (demand_id, plan_id, principal) to the current request's log lines."""
    current = _request_fields.get()
    if current is not None:
        current.update(fields)
    structlog.contextvars.bind_contextvars(**fields)
