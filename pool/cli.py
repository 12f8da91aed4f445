"""`alliance pool ...`: set up the coordinator, manage members, tenants and keys, serve."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pool.service.api import MemberIn, PoolError, Principal, Role, TenantIn
from pool.settings import PoolSettings

app = typer.Typer(no_args_is_help=True, add_completion=False)
member_app = typer.Typer(no_args_is_help=True, help="Alliance members (supplier nodes).")
tenant_app = typer.Typer(no_args_is_help=True, help="Automakers using the demand API.")
key_app = typer.Typer(no_args_is_help=True, help="API keys for operators and suppliers.")
app.add_typer(member_app, name="member")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")

out = Console()
err = Console(stderr=True)
# Whoever runs the CLI on the coordinator's database acts as operations staff.
CLI_OPERATOR = Principal(Role.OPERATOR, "cli")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (env ALLIANCE_POOL_DATABASE_URL).", show_default=False),
]
TlsOption = Annotated[
    Path | None,
    typer.Option(
        help="PKI directory (env ALLIANCE_POOL_TLS_DIR; default var/pki).", show_default=False
    ),
]


def _settings(db: str | None = None, tls_dir: Path | None = None) -> PoolSettings:
    settings = PoolSettings()
    update: dict[str, object] = {}
    if db:
        update["database_url"] = db
    if tls_dir:
        update["tls_dir"] = tls_dir
    return settings.model_copy(update=update)


def _open(settings: PoolSettings):  # noqa: ANN202 - PoolCoordinator, imported lazily
    from pool.service.factory import open_coordinator

    return open_coordinator(settings)


def _fail(exc: Exception) -> None:
    err.print(f"error: {exc}")
    raise typer.Exit(1)


@app.command()
def init(db: DbOption = None) -> None:
    """Create or upgrade the coordinator's database and its audit key."""
    from audit.note import format_vkey
    from pool.service.factory import init_coordinator

    settings = _settings(db)
    public_key = init_coordinator(settings)
    out.print(f"coordinator database ready at {settings.database_url}")
    out.print(f"audit key {settings.audit_key_path}: public key {public_key.hex()}")
    vkey = format_vkey(settings.audit_log_origin, public_key)
    out.print(f"nodes cosign this log with ALLIANCE_NODE_COORDINATOR_VKEY={vkey}", soft_wrap=True)


@member_app.command("add")
def member_add(
    member_id: Annotated[str, typer.Argument(help="The member's alliance id, e.g. S01.")],
    endpoint: Annotated[str, typer.Option(help="host:port of the node's alliance listener.")],
    name: Annotated[str | None, typer.Option(help="Legal name (default: from the node).")] = None,
    audit_key: Annotated[
        str | None,
        typer.Option(help="Hex Ed25519 audit key; default: fetched with GetNodeInfo over mTLS."),
    ] = None,
    cert_identity: Annotated[str | None, typer.Option(help="Identity in its certificate.")] = None,
    db: DbOption = None,
    tls_dir: TlsOption = None,
) -> None:
    """Register a member (or update its endpoint)."""
    from pool.adapters.node_client import NodeCallError

    settings = _settings(db, tls_dir)
    coordinator = _open(settings)
    try:
        if audit_key is None or name is None:
            info = coordinator.runtime.nodes.client_for(
                member_id, endpoint, cert_identity or ""
            ).node_info()
            if info.member_id != member_id:
                _fail(ValueError(f"the node at {endpoint} is {info.member_id}, not {member_id}"))
            audit_key = audit_key or info.audit_public_key.hex()
            name = name or info.member_name
        view = coordinator.register_member(
            CLI_OPERATOR,
            MemberIn(member_id, name, endpoint, bytes.fromhex(audit_key), cert_identity or ""),
        )
        out.print(f"member {view.member_id} registered at {view.endpoint}")
    except (PoolError, NodeCallError, ValueError) as exc:
        _fail(exc)
    finally:
        coordinator.close()


@member_app.command("list")
def member_list(db: DbOption = None) -> None:
    """Members, their endpoints and freshness."""
    coordinator = _open(_settings(db))
    try:
        table = Table("member", "name", "endpoint", "active", "last sequence", "stale")
        for m in coordinator.members(CLI_OPERATOR):
            table.add_row(
                m.member_id, m.name, m.endpoint, str(m.active), str(m.last_sequence), str(m.stale)
            )
        out.print(table)
    finally:
        coordinator.close()


@member_app.command("revoke")
def member_revoke(member_id: str, db: DbOption = None) -> None:
    """Revoke a member: it is no longer called and is refused wherever it calls in."""
    coordinator = _open(_settings(db))
    try:
        coordinator.revoke_member(CLI_OPERATOR, member_id)
        out.print(f"member {member_id} revoked")
    except PoolError as exc:
        _fail(exc)
    finally:
        coordinator.close()


@tenant_app.command("add")
def tenant_add(
    tenant_id: str,
    name: Annotated[str, typer.Option(help="The automaker's name.")],
    callback_url: Annotated[str, typer.Option(help="Webhook URL (optional).")] = "",
    requests_per_minute: Annotated[int, typer.Option(help="Rate limit of its key.")] = 120,
    db: DbOption = None,
) -> None:
    """Register an automaker; prints its API key and webhook secret once."""
    coordinator = _open(_settings(db))
    try:
        creds = coordinator.register_tenant(
            CLI_OPERATOR, TenantIn(tenant_id, name, callback_url, requests_per_minute)
        )
        out.print(f"tenant {tenant_id} registered; shown once, store them now:")
        print(f"api_key={creds.api_key}")
        print(f"webhook_secret={creds.webhook_secret}")
    except PoolError as exc:
        _fail(exc)
    finally:
        coordinator.close()


@key_app.command("issue")
def key_issue(
    role: Annotated[str, typer.Option(help="operator or supplier.")],
    subject: Annotated[str, typer.Option(help="Operator name or member id.")],
    db: DbOption = None,
) -> None:
    """Issue an API key; prints it once."""
    coordinator = _open(_settings(db))
    try:
        print(f"api_key={coordinator.issue_api_key(CLI_OPERATOR, Role(role), subject)}")
    except (PoolError, ValueError) as exc:
        _fail(exc)
    finally:
        coordinator.close()


def configure_json_logs() -> None:
    import structlog

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


# `pool serve` exits with this when it lost the leader lease (EX_TEMPFAIL): start it again and
# it comes back as a standby.
LEASE_LOST_EXIT = 75


def _http_server(config: Any, coordinator: Any) -> Any:
    """uvicorn's server, except that SIGTERM/SIGINT first ends the coordinator's long polls:
    uvicorn waits for requests in flight, and a long poll could hold it for its whole wait."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            coordinator.end_long_polls()
            super().handle_exit(sig, frame)

    return Server(config)


def _listen(host: str, port: int, timeout_s: float = 10.0):  # noqa: ANN202 - socket.socket
    """The HTTP listener, bound as soon as the port is free: a coordinator that just lost the
    lease may still hold it for a moment."""
    import errno
    import socket
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            if exc.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
            continue
        sock.listen(2048)
        return sock


@app.command()
def serve(
    db: DbOption = None,
    tls_dir: TlsOption = None,
    host: Annotated[str | None, typer.Option(help="HTTP host.", show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port.", show_default=False)] = None,
) -> None:
    """Run the coordinator: member watchers, plan execution, webhooks, and the HTTP API.

    One process per database is active; start a second one on the same database and it waits,
    opened and ready, as a hot standby that takes over the moment the active one dies."""
    import os
    import threading

    from pool.adapters.leader import STANDBY_LINE, lease_for

    configure_json_logs()
    settings = _settings(db, tls_dir)
    if host:
        settings = settings.model_copy(update={"http_host": host})
    if port is not None:
        settings = settings.model_copy(update={"http_port": port})
    coordinator = _open(settings)

    def lease_lost() -> None:
        # Another process may hold the lease by now: stop acting at once, as in a crash.
        err.print("coordinator lost its leader lease; exiting")
        os._exit(LEASE_LOST_EXIT)

    lease = lease_for(settings.database_url, lease_lost)
    try:
        from pool.http.app import create_app

        http_app = create_app(coordinator, settings)
        err.print(f"{STANDBY_LINE} (pid {os.getpid()}); active once it holds the lease")
        if not lease.acquire(threading.Event()):
            return
        listener = _listen(settings.http_host, settings.http_port)
        coordinator.drop_idle_connections()
        coordinator.start()
        import uvicorn

        err.print(f"coordinator serving on http://{settings.http_host}:{settings.http_port}")
        _http_server(uvicorn.Config(http_app, log_config=None), coordinator).run(sockets=[listener])
    finally:
        coordinator.close()
        lease.release()
