"""Operations dashboard: login with an operator key, then a page whose panels htmx refreshes
every second from one fragment (`/dashboard/live`), so a viewer costs one request a second."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Cookie, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pool.http.deps import CoordinatorDep, authenticate_key
from pool.service import api
from pool.web import view_model
from pool.web.sessions import SessionStore

HERE = Path(__file__).parent
COOKIE = "alliance_pool_session"
POLL_INTERVAL_S = 1
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/dashboard", include_in_schema=False)

SessionCookie = Annotated[str | None, Cookie(alias=COOKIE)]


def _sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.dashboard_sessions
    return store


Sessions = Annotated[SessionStore, Depends(_sessions)]


@router.get("", response_class=HTMLResponse, response_model=None)
def dashboard(
    request: Request,
    coordinator: CoordinatorDep,
    sessions: Sessions,
    session: SessionCookie = None,
    key: str | None = None,
) -> Response:
    if key is not None:  # ?key=...: log in, then drop the key from the address bar
        return _login(request, coordinator, sessions, key)
    principal = sessions.principal(session)
    if principal is None:
        return _login_page(request, "", 200)
    if principal.role is not api.Role.OPERATOR:
        return _login_page(request, "operations staff only · 仅限运营人员", 403)
    context = _live_context(coordinator, principal)
    return templates.TemplateResponse(
        request, "dashboard.html", {**context, "poll_s": POLL_INTERVAL_S}
    )


@router.post("/login", response_class=HTMLResponse, response_model=None)
async def login(request: Request, coordinator: CoordinatorDep, sessions: Sessions) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0]
    return _login(request, coordinator, sessions, key)


@router.post("/logout", response_model=None)
def logout(sessions: Sessions, session: SessionCookie = None) -> Response:
    sessions.close(session)
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(COOKIE, path="/dashboard")
    return response


@router.get("/live", response_class=HTMLResponse, response_model=None)
def live(
    request: Request,
    coordinator: CoordinatorDep,
    sessions: Sessions,
    session: SessionCookie = None,
) -> Response:
    principal = sessions.principal(session)
    if principal is None or principal.role is not api.Role.OPERATOR:
        # htmx follows HX-Redirect; a plain client sees the 401.
        return Response(status_code=401, headers={"HX-Redirect": "/dashboard"})
    return templates.TemplateResponse(request, "_live.html", _live_context(coordinator, principal))


def _login(
    request: Request, coordinator: api.Coordinator, sessions: SessionStore, key: str
) -> Response:
    try:
        principal = authenticate_key(coordinator, key.strip())
    except api.RateLimited as exc:
        return _login_page(
            request, f"too many attempts, retry in {exc.retry_after_s} s · 尝试次数过多", 429
        )
    except api.Unauthenticated:
        return _login_page(request, "unknown key · 密钥无效", 401)
    if principal.role is not api.Role.OPERATOR:
        return _login_page(request, "operations staff only · 仅限运营人员", 403)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        COOKIE,
        sessions.open(principal),
        path="/dashboard",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _login_page(request: Request, error: str, status: int) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": error}, status_code=status)


def _live_context(coordinator: api.Coordinator, principal: api.Principal) -> dict[str, object]:
    now_ms = time.time() * 1000
    members = coordinator.members(principal)
    pools = coordinator.pool_view(principal)
    demands = coordinator.list_demands(principal, limit=200)
    audit = coordinator.audit_status(principal)
    columns, rows = view_model.heatmap(pools)
    return {
        "now_ms": now_ms,
        "summary": view_model.summary(members, pools, demands),
        "heat_columns": columns,
        "heat_rows": rows,
        "members": sorted(members, key=lambda m: m.member_id),
        "demands": view_model.demand_rows(demands, now_ms),
        "audit": audit,
        "ago": lambda at_ms: view_model.seconds_ago(at_ms, now_ms),
        "operator": principal.subject,
    }


def mount_dashboard(app: FastAPI) -> None:
    app.state.dashboard_sessions = SessionStore()
    app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=HERE / "static"), name="dashboard-static")
