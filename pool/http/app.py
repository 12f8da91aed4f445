"""The coordinator's HTTP application: `create_app(coordinator, settings)` for uvicorn."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from pool.http.edge import EdgeMiddleware
from pool.http.logs import configure_logging
from pool.http.metrics import PoolMetrics
from pool.http.problems import install_problem_handlers
from pool.http.routers import audit, demands, members, ops, pool_view, settlement
from pool.service.api import Coordinator

API_DESCRIPTION = """\
Urgent demand API of the alliance inventory pool, and the pool, settlement and audit views.

Authenticate with `Authorization: Bearer <api key>`. Quantities are integers in the part's
UN/CEFACT unit, money integer micro-units of `currency`, timestamps epoch milliseconds.
Every error is RFC 9457 `application/problem+json`.
"""


def _operation_id(route: APIRoute) -> str:
    # Every route names its operation_id; this only covers routes that forget to.
    return route.name


def create_app(coordinator: Coordinator, settings: Any = None) -> FastAPI:
    """`settings` is the coordinator's PoolSettings; the edge reads nothing from it yet."""
    configure_logging()
    app = FastAPI(
        title="Alliance Pool coordinator",
        version="1.0.0",
        description=API_DESCRIPTION,
        generate_unique_id_function=_operation_id,
    )
    app.state.coordinator = coordinator
    app.state.settings = settings
    app.state.metrics = PoolMetrics(coordinator)
    install_problem_handlers(app)
    for module in (demands, pool_view, members, settlement, audit, ops):
        app.include_router(module.router)
    _mount_dashboard(app)
    app.add_middleware(EdgeMiddleware, metrics=app.state.metrics)
    return app


def _mount_dashboard(app: FastAPI) -> None:
    from pool.web.dashboard import mount_dashboard

    mount_dashboard(app)
