"""`alliance node ...`: set up, serve and operate a supplier node, straight on its database."""

from __future__ import annotations

import functools
import getpass
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from node.service import api
from node.settings import NodeSettings
from node.stock_csv import (
    StockCsvError,
    check_parts,
    columns_help,
    money_micros,
    read_stock_csv,
    row_named_in,
)

app = typer.Typer(no_args_is_help=True, add_completion=False)
part_app = typer.Typer(no_args_is_help=True, help="Parts master data.")
location_app = typer.Typer(no_args_is_help=True, help="Sites, warehouses and locations.")
app.add_typer(part_app, name="part")
app.add_typer(location_app, name="location")

out = Console()
err = Console(stderr=True)


class CliError(Exception):
    """A refusal to explain in one line; the command exits with status 1."""


class Quality(StrEnum):
    released = "released"
    quarantine = "quarantine"
    blocked = "blocked"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy database URL (env ALLIANCE_NODE_DATABASE_URL; "
        "default sqlite:///var/node.db).",
        show_default=False,
    ),
]
ActorOption = Annotated[
    str | None, typer.Option(help="Who books it (default: the login name).", show_default=False)
]
MovementIdOption = Annotated[
    str | None,
    typer.Option(
        help="Idempotency key: a retry with the same id books nothing new (default: new UUID).",
        show_default=False,
    ),
]
CurrencyOption = Annotated[
    str | None,
    typer.Option(help="ISO 4217 code (default: the node's currency).", show_default=False),
]

F = TypeVar("F", bound=Callable[..., Any])


def exits_cleanly(command: F) -> F:
    """Refusals print one line on stderr and exit 1 instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (api.NodeError, CliError, StockCsvError) as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _settings() -> NodeSettings:
    from pydantic import ValidationError

    try:
        return NodeSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"ALLIANCE_NODE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise CliError(f"invalid setting: {problems}") from None


def _database_url(db: str | None) -> str:
    return db or _settings().database_url


def _audit_key(key: Path | None) -> Path | None:
    """The node's audit signing key: --key, else ALLIANCE_NODE_AUDIT_KEY_PATH / its default.

    Every change the node books is signed into its audit log with it; without the key file
    the node can be read, but a node that keeps a log refuses every change.
    """
    path = key or _settings().audit_key_path
    if path.exists():
        return path
    if key is not None:
        raise CliError(f"no audit key at {key}")
    err.print(
        f"warning: no audit key at {path} (set ALLIANCE_NODE_AUDIT_KEY_PATH): "
        "the books can be read, but changes will be refused"
    )
    return None


@contextmanager
def _node(
    db: str | None, dictionary_version: str = "", key: Path | None = None, pool_size: int = 4
) -> Iterator[api.NodeService]:
    from node.service.factory import open_node

    url = _database_url(db)
    from node.adapters.engine import sqlite_path

    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no node database at {path}; create it with `alliance node init`")
    service = open_node(
        url,
        dictionary_version=dictionary_version,
        audit_key_path=_audit_key(key),
        pool_size=pool_size,
    )
    try:
        yield service
    finally:
        close = getattr(service, "close", None)
        if callable(close):
            close()


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _money(text: str, what: str) -> int:
    try:
        return money_micros(text, what)
    except StockCsvError as exc:
        raise CliError(str(exc)) from None


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CliError(f"{what}: {text!r} is not a decimal number") from None


def _amount(micros: int, currency: str = "") -> str:
    text = f"{Decimal(micros) / 1_000_000:,.2f}"
    return f"{text} {currency}".rstrip()


def _part_unit(service: api.NodeService, part_number: str) -> str:
    positions = service.stock_positions([part_number])
    if not positions:
        raise CliError(f"unknown part {part_number}; add it with `alliance node part add`")
    return positions[0].unit_of_measure


# --- set up and serve ------------------------------------------------------------------------


@app.command()
@exits_cleanly
def init(
    member_id: Annotated[
        str | None,
        typer.Option(
            help="The member's alliance id, e.g. S01 (env ALLIANCE_NODE_MEMBER_ID).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="The member's legal name (env ALLIANCE_NODE_MEMBER_NAME).", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            "--key-path",
            help="Audit signing key (Ed25519); created if missing "
            "(env ALLIANCE_NODE_AUDIT_KEY_PATH; default var/audit_ed25519.key).",
            show_default=False,
        ),
    ] = None,
    pool_fraction: Annotated[
        str | None,
        typer.Option(
            help="Share of safety stock pledged to the pool (default 0.30; env "
            "ALLIANCE_NODE_POOL_FRACTION).",
            show_default=False,
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(help="The node's booking currency (default EUR).", show_default=False),
    ] = None,
    audit_log_origin: Annotated[
        str | None,
        typer.Option(help="Origin line of the node's audit checkpoints.", show_default=False),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Load the sample automotive stock.")
    ] = False,
) -> None:
    """Create the node's database, its identity and its audit key pair."""
    from audit.keys import generate_keypair, load_public_key_bytes
    from node.sample_data import load_sample
    from node.service.factory import init_node

    settings = _settings()
    member_id = member_id or settings.member_id
    name = name or settings.member_name
    if not member_id or not name:
        raise CliError("--member-id and --name are required (or ALLIANCE_NODE_MEMBER_ID/_NAME)")
    url = _database_url(db)
    from node.adapters.engine import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    key_path = key or settings.audit_key_path
    if key_path.exists():
        public_key = load_public_key_bytes(key_path)
        out.print(f"audit key: using existing {key_path}")
    else:
        key_path.parent.mkdir(parents=True, exist_ok=True)
        public_key = generate_keypair(key_path)
        out.print(f"audit key: created {key_path} (mode 0600)")
    init_node(
        url,
        member_id=member_id,
        member_name=name,
        pool_fraction=(
            _decimal(pool_fraction, "--pool-fraction") if pool_fraction else settings.pool_fraction
        ),
        audit_public_key=public_key,
        audit_log_origin=audit_log_origin or f"alliance.v1/node/{member_id}",
        currency=currency or settings.currency,
    )
    out.print(f"node {member_id} ({name}) initialised at {url}; public key {public_key.hex()}")
    if sample:
        with _node(url, key=key_path) as service:
            loaded = load_sample(service, actor=_actor(None))
        out.print(
            f"sample loaded: {loaded.parts} parts, {loaded.locations} locations, "
            f"{loaded.receipts} receipts"
        )


def _log_json_to_stderr() -> None:
    """Server logs as JSON lines on stderr; stdout carries only the LISTENING line."""
    import logging

    import structlog

    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def _with_port(address: str, port: int | None) -> str:
    if port is None:
        return address
    return f"{address.rsplit(':', 1)[0]}:{port}"


@app.command()
@exits_cleanly
def serve(
    db: DbOption = None,
    listen: Annotated[
        str | None,
        typer.Option(
            help="Alliance address host:port (default 127.0.0.1:50051).", show_default=False
        ),
    ] = None,
    admin: Annotated[
        str | None,
        typer.Option(help="Admin address host:port (default 127.0.0.1:50061).", show_default=False),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Alliance port; 0 picks a free one.", show_default=False)
    ] = None,
    admin_port: Annotated[
        int | None,
        typer.Option(
            help="Admin port; 0 picks a free one (default: 0 when --port is 0).", show_default=False
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", "--key-path", help="Audit key; must match the node's.", show_default=False
        ),
    ] = None,
    tls_dir: Annotated[
        Path | None,
        typer.Option(
            help="Serve the alliance port over mutual TLS with ca.crt and NAME.key/.crt from "
            "this directory (`alliance pki`); default: plain text for local use.",
            show_default=False,
        ),
    ] = None,
    tls_name: Annotated[
        str | None,
        typer.Option(
            help="Name of the key/certificate in --tls-dir (default: member id).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve NodeService (alliance port) and InventoryService (admin port) until SIGTERM/SIGINT.

    Once both ports listen it prints one machine-readable line:
    `LISTENING alliance=HOST:PORT admin=HOST:PORT`.
    """
    from node.grpc.server import build_server, insecure_ports, mtls_ports, serve_until_signalled

    _log_json_to_stderr()
    settings = _settings()
    if admin_port is None and port == 0:
        admin_port = 0
    alliance_address = _with_port(listen or settings.listen_address, port)
    admin_address = _with_port(admin or settings.admin_address, admin_port)
    from dictionary.loader import load as load_dictionary

    version = load_dictionary().version
    with _node(db, dictionary_version=version, key=key, pool_size=settings.db_pool_size) as service:
        info = service.node_info()
        audit = _audit_servicer(service, key or settings.audit_key_path, settings)
        try:
            add_port = (
                mtls_ports(tls_dir, tls_name or info.member_id)
                if tls_dir is not None
                else insecure_ports
            )
            server = build_server(
                service,
                alliance_address=alliance_address,
                admin_address=admin_address,
                add_port=add_port,
                admin_add_port=insecure_ports,
                max_workers=settings.max_workers,
                audit=audit,
                callers=_caller_policy(settings, tls_dir) if tls_dir is not None else None,
            )
        except (OSError, RuntimeError) as exc:
            raise CliError(f"cannot listen: {exc}") from None

        def ready(s: Any) -> None:
            print(f"LISTENING alliance={s.alliance_address} admin={s.admin_address}", flush=True)
            err.print(
                f"node {info.member_id} serving NodeService on {s.alliance_address}, "
                f"InventoryService on {s.admin_address}; Ctrl-C to stop"
            )

        serve_until_signalled(server, ready, settings.shutdown_grace_s)
        err.print(f"node {info.member_id} stopped")


def _caller_policy(settings: NodeSettings, tls_dir: Path) -> Any:
    """Over mutual TLS only the alliance's coordinator role may call (ALLIANCE_NODE_CALLER_ROLES)
    and no one on the alliance's deny list (ALLIANCE_NODE_DENY_LIST_PATH, default
    TLS_DIR/revoked.txt): another member's certificate or an automaker's opens nothing here."""
    from pool.pki import ROLES
    from pool.tls import CallerPolicy, DenyList

    unknown = sorted(set(settings.caller_roles) - set(ROLES))
    if unknown or not settings.caller_roles:
        raise CliError(
            f"ALLIANCE_NODE_CALLER_ROLES must name roles among {', '.join(ROLES)}; "
            f"got {', '.join(settings.caller_roles) or 'none'}"
        )
    deny_list = DenyList(settings.deny_list_path or tls_dir / "revoked.txt")
    return CallerPolicy(deny_list.__contains__, roles=settings.caller_roles)


def _audit_servicer(service: api.NodeService, key_path: Path, settings: NodeSettings) -> Any:
    """The node's AuditService: proofs of its log, and cosigning with its audit key (when the
    key file is there) the coordinator's checkpoints named by ALLIANCE_NODE_COORDINATOR_VKEY."""
    from audit.ed25519 import Signer
    from audit.keys import load_private_key
    from node.grpc.audit_servicer import node_audit_servicer

    signer = Signer(load_private_key(key_path)) if key_path.exists() else None
    try:
        return node_audit_servicer(service, signer, settings.coordinator_vkey)
    except ValueError as exc:
        raise CliError(f"invalid setting ALLIANCE_NODE_COORDINATOR_VKEY: {exc}") from None


# --- master data -----------------------------------------------------------------------------


@part_app.command("add")
@exits_cleanly
def part_add(
    part_number: str,
    description: Annotated[str, typer.Option(help="What the part is.")],
    uom: Annotated[
        str, typer.Option(help="UN/CEFACT Rec 20 unit (C62 = one, KGM, MTR...).")
    ] = "C62",
    lot_tracked: Annotated[bool, typer.Option(help="Stock is kept by lot.")] = True,
    shelf_life_days: Annotated[
        int | None, typer.Option(help="Days from production to expiry.")
    ] = None,
    alias: Annotated[
        list[str] | None, typer.Option(help="The supplier's own part number (repeatable).")
    ] = None,
    gtin: Annotated[str | None, typer.Option(help="GS1 GTIN (AI 01).")] = None,
    list_price: Annotated[str, typer.Option(help="List price per unit, e.g. 21.90.")] = "0",
    currency: CurrencyOption = None,
    db: DbOption = None,
) -> None:
    """Add a part, or update it."""
    with _node(db) as service:
        service.upsert_part(
            api.PartIn(
                part_number=part_number,
                description=description,
                unit_of_measure=uom,
                lot_tracked=lot_tracked,
                shelf_life_days=shelf_life_days,
                aliases=tuple(alias or ()),
                gtin=gtin,
                list_price_micros=_money(list_price, "--list-price"),
                currency=currency or _settings().currency,
            )
        )
    out.print(f"part {part_number} saved ({description}, {uom})")


@location_app.command("add")
@exits_cleanly
def location_add(
    location_id: str,
    site: Annotated[str, typer.Option(help="Site id, e.g. CN-NGB-P1.")],
    warehouse: Annotated[str, typer.Option(help="Warehouse id within the site.")],
    db: DbOption = None,
) -> None:
    """Add a storage location, or update it."""
    with _node(db) as service:
        service.upsert_location(
            api.LocationIn(site_id=site, warehouse_id=warehouse, location_id=location_id)
        )
    out.print(f"location {location_id} saved ({site} / {warehouse})")


# --- stock movements -------------------------------------------------------------------------


def _print_movements(movements: tuple[api.MovementView, ...]) -> None:
    for m in movements:
        lot = f" lot {m.lot_number}" if m.lot_number else ""
        out.print(
            f"  {m.type.value} {m.quantity_delta:+d} {m.part_number}{lot} at {m.location_id}"
            f" [dim]({m.movement_id})[/]"
        )


@app.command()
@exits_cleanly
def receive(
    part_number: str,
    quantity: int,
    location: Annotated[str, typer.Option("--location", "-l", help="Where the goods go.")],
    unit_cost: Annotated[str, typer.Option(help="Purchase cost per unit, e.g. 14.20.")],
    lot: Annotated[str, typer.Option(help="Lot number (lot-tracked parts).")] = "",
    po: Annotated[str, typer.Option("--po", help="Purchase order number.")] = "PO-MANUAL",
    uom: Annotated[
        str | None, typer.Option(help="Unit (default: the part's).", show_default=False)
    ] = None,
    production_date: Annotated[str, typer.Option(help="YYYY-MM-DD.")] = "",
    expiry_date: Annotated[
        str, typer.Option(help="YYYY-MM-DD (default: production + shelf life).")
    ] = "",
    quality: Annotated[Quality, typer.Option(help="Quality status of the lot.")] = Quality.released,
    currency: CurrencyOption = None,
    actor: ActorOption = None,
    movement_id: MovementIdOption = None,
    db: DbOption = None,
) -> None:
    """Goods receipt against a purchase order (creates the payable)."""
    from node.grpc.convert import parse_date

    with _node(db) as service:
        currency = currency or _settings().currency
        result = service.receive_purchase(
            api.ReceiptIn(
                movement_id=movement_id or str(uuid.uuid4()),
                purchase_order_number=po,
                part_number=part_number,
                quantity=quantity,
                unit_of_measure=uom or _part_unit(service, part_number),
                location_id=location,
                lot_number=lot,
                unit_cost_micros=_money(unit_cost, "--unit-cost"),
                currency=currency,
                actor=_actor(actor),
                production_date=parse_date(production_date, "--production-date"),
                expiry_date=parse_date(expiry_date, "--expiry-date"),
                quality_status=api.QualityStatus(quality.value),
            )
        )
    out.print(
        f"received {quantity} {part_number}: payable {_amount(result.payable_micros, currency)}, "
        f"moving-average cost {_amount(result.moving_average_cost_micros, currency)}"
    )
    _print_movements(result.movements)


@app.command()
@exits_cleanly
def ship(
    part_number: str,
    quantity: int,
    so: Annotated[str, typer.Option("--so", help="Sales order number.")],
    customer: Annotated[str, typer.Option(help="Customer id.")],
    unit_price: Annotated[str, typer.Option(help="Sales price per unit, e.g. 21.90.")],
    uom: Annotated[
        str | None, typer.Option(help="Unit (default: the part's).", show_default=False)
    ] = None,
    currency: CurrencyOption = None,
    actor: ActorOption = None,
    movement_id: MovementIdOption = None,
    db: DbOption = None,
) -> None:
    """Goods issue against a sales order (creates the receivable and cost of goods sold)."""
    with _node(db) as service:
        currency = currency or _settings().currency
        result = service.ship_sales(
            api.ShipmentIn(
                movement_id=movement_id or str(uuid.uuid4()),
                sales_order_number=so,
                customer_id=customer,
                part_number=part_number,
                quantity=quantity,
                unit_of_measure=uom or _part_unit(service, part_number),
                unit_price_micros=_money(unit_price, "--unit-price"),
                currency=currency,
                actor=_actor(actor),
            )
        )
    out.print(
        f"shipped {quantity} {part_number}: "
        f"receivable {_amount(result.receivable_micros, currency)}, "
        f"cost of goods sold {_amount(result.cost_of_goods_sold_micros, currency)}"
    )
    _print_movements(result.movements)


@app.command()
@exits_cleanly
def transfer(
    part_number: str,
    quantity: int,
    from_location: Annotated[str, typer.Option("--from", help="Source location.")],
    to_location: Annotated[str, typer.Option("--to", help="Destination location.")],
    lot: Annotated[str, typer.Option(help="Lot number.")] = "",
    actor: ActorOption = None,
    movement_id: MovementIdOption = None,
    db: DbOption = None,
) -> None:
    """Move stock of one lot between locations."""
    with _node(db) as service:
        moved = service.transfer(
            api.TransferIn(
                movement_id=movement_id or str(uuid.uuid4()),
                part_number=part_number,
                lot_number=lot,
                from_location_id=from_location,
                to_location_id=to_location,
                quantity=quantity,
                actor=_actor(actor),
            )
        )
    out.print(f"transferred {quantity} {part_number} from {from_location} to {to_location}")
    _print_movements(moved)


@app.command()
@exits_cleanly
def count(
    part_number: str,
    counted: int,
    location: Annotated[str, typer.Option("--location", "-l", help="Counted location.")],
    lot: Annotated[str, typer.Option(help="Lot number.")] = "",
    actor: ActorOption = None,
    movement_id: MovementIdOption = None,
    db: DbOption = None,
) -> None:
    """Physical count: books the difference as a count correction."""
    with _node(db) as service:
        moved = service.count_stock(
            api.CountIn(
                movement_id=movement_id or str(uuid.uuid4()),
                part_number=part_number,
                lot_number=lot,
                location_id=location,
                counted_quantity=counted,
                actor=_actor(actor),
            )
        )
    out.print(
        f"counted {counted} {part_number} at {location}"
        + ("" if moved else ": matches the books, nothing booked")
    )
    _print_movements(moved)


@app.command()
@exits_cleanly
def quality(
    part_number: str,
    lot: str,
    status: Quality,
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Set a lot's quality status (only released stock can be pooled)."""
    with _node(db) as service:
        service.set_lot_quality(part_number, lot, api.QualityStatus(status.value), _actor(actor))
    out.print(f"lot {lot} of {part_number} is now {status.value}")


# --- planning parameters ---------------------------------------------------------------------


@app.command("safety-stock")
@exits_cleanly
def safety_stock(
    part_number: str,
    quantity: Annotated[
        int | None, typer.Argument(help="Configured safety stock.", show_default=False)
    ] = None,
    service_level: Annotated[
        str | None,
        typer.Option(help="Compute instead: target service level, e.g. 0.95.", show_default=False),
    ] = None,
    history_days: Annotated[
        int, typer.Option(help="Days of demand history for --service-level.")
    ] = 90,
    db: DbOption = None,
) -> None:
    """Set a part's safety stock, or compute it from demand history with --service-level."""
    if (quantity is None) == (service_level is None):
        raise CliError("give either a QUANTITY or --service-level, not both or neither")
    with _node(db) as service:
        if quantity is not None:
            result = service.set_safety_stock(part_number, quantity)
        else:
            level = _decimal(service_level or "", "--service-level")
            result = service.compute_safety_stock(part_number, level, history_days)
    share = result.pool_share
    out.print(
        f"safety stock of {part_number}: {share.safety_stock_quantity} {share.unit_of_measure}; "
        f"pool share {share.contributed_quantity}, free {share.free_quantity}"
    )
    if result.explanation:
        out.print(f"  {result.explanation}", highlight=False)


@app.command()
@exits_cleanly
def capacity(
    part_number: str,
    per_day: Annotated[int, typer.Option(help="Units the plant can make per day.")],
    lead_time_days: Annotated[int, typer.Option(help="Days before production output can ship.")],
    unit_price: Annotated[str, typer.Option(help="Price per produced unit, e.g. 19.80.")],
    currency: CurrencyOption = None,
    db: DbOption = None,
) -> None:
    """Set a part's production capacity, lead time and price (used by Quote)."""
    with _node(db) as service:
        service.set_capacity(
            part_number,
            per_day,
            lead_time_days,
            _money(unit_price, "--unit-price"),
            currency or _settings().currency,
        )
    out.print(f"capacity of {part_number}: {per_day}/day after {lead_time_days} days")


@app.command("pool-policy")
@exits_cleanly
def pool_policy(
    part_number: str,
    opt_out: Annotated[
        bool, typer.Option("--opt-out/--opt-in", help="Keep the part out of the pool.")
    ],
    db: DbOption = None,
) -> None:
    """Opt a part out of the pool, or back in."""
    with _node(db) as service:
        share = service.set_pool_policy(part_number, opt_out)
    state = "opted out of" if share.opted_out else "in"
    out.print(f"{part_number} is {state} the pool; pool share {share.contributed_quantity}")


@app.command()
@exits_cleanly
def lane(
    destination: Annotated[str, typer.Argument(help="UN/LOCODE or GLN of the receiving plant.")],
    cost_per_unit: Annotated[str, typer.Option(help="Shipping cost per unit, e.g. 0.85.")],
    fixed_cost: Annotated[str, typer.Option(help="Fixed cost per shipment, e.g. 420.00.")],
    transit_hours: Annotated[int, typer.Option(help="Transit time in hours.")],
    currency: CurrencyOption = None,
    db: DbOption = None,
) -> None:
    """Set the shipping lane to a destination (used by Quote)."""
    with _node(db) as service:
        service.set_shipping_lane(
            destination,
            _money(cost_per_unit, "--cost-per-unit"),
            _money(fixed_cost, "--fixed-cost"),
            transit_hours,
            currency or _settings().currency,
        )
    out.print(f"lane to {destination}: {transit_hours} h")


# --- views -----------------------------------------------------------------------------------


OPTED_OUT = "opted out"


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "").isdigit()


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    """A table whose cells are never cut: headers wrap, columns are at least as wide as data."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for i, header in enumerate(headers):
        widest = max([len(row[i]) for row in rows] + [len(w) for w in header.split()])
        numeric = all(_is_number(row[i]) or row[i] == OPTED_OUT for row in rows if row[i])
        table.add_column(header, justify="right" if numeric and rows else "left", min_width=widest)
    for row in rows:
        table.add_row(*row)
    return table


def _pool_table(shares: list[api.PoolShareView], title: str) -> Table:
    headers = ("part", "unit", "safety stock", "fraction", "pool share", "reserved", "free")
    rows = [
        (
            s.part_number,
            s.unit_of_measure,
            str(s.safety_stock_quantity),
            str(s.pool_fraction),
            str(s.contributed_quantity),
            str(s.reserved_quantity),
            str(s.free_quantity),
        )
        for s in shares
    ]
    return _table(title, headers, rows)


@app.command()
@exits_cleanly
def stock(
    part_numbers: Annotated[
        list[str] | None, typer.Argument(help="Parts to show (default: all).")
    ] = None,
    lots: Annotated[bool, typer.Option(help="Show each lot and location.")] = False,
    db: DbOption = None,
) -> None:
    """The supplier's stock positions and pool shares."""
    with _node(db) as service:
        positions = service.stock_positions(part_numbers or ())
    headers = (
        "part", "unit", "on hand", "available", "reserved", "blocked", "expired", "avg cost",
        "pool share", "pool free",
    )  # fmt: skip
    rows = [
        (
            p.part_number,
            p.unit_of_measure,
            str(p.quantity_on_hand),
            str(p.available_quantity),
            str(p.reserved_quantity),
            str(p.blocked_quantity),
            str(p.expired_quantity),
            _amount(p.moving_average_cost_micros),
            OPTED_OUT if p.pool_share.opted_out else str(p.pool_share.contributed_quantity),
            str(p.pool_share.free_quantity),
        )
        for p in positions
    ]
    out.print(_table("Stock positions", headers, rows), crop=False)
    if lots:
        lot_rows = [
            (
                b.part_number,
                b.lot_number,
                b.location_id,
                str(b.quantity_on_hand),
                b.quality_status.value,
                b.expiry_date.isoformat() if b.expiry_date else "",
            )
            for p in positions
            for b in p.balances
        ]
        headers = ("part", "lot", "location", "on hand", "quality", "expiry")
        out.print(_table("Lots by location", headers, lot_rows), crop=False)


@app.command()
@exits_cleanly
def pool(
    part_numbers: Annotated[
        list[str] | None, typer.Argument(help="Parts to show (default: all).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The pool shares the alliance sees."""
    with _node(db) as service:
        shares, sequence = service.pool_shares(part_numbers or ())
    out.print(_pool_table(shares, f"Pool shares (sequence {sequence})"), crop=False)


@app.command()
@exits_cleanly
def reconcile(db: DbOption = None) -> None:
    """Prove every balance equals the sum of its movements; exits 1 when one does not."""
    with _node(db) as service:
        result = service.reconcile()
    if result.balanced:
        out.print(f"balanced: {result.movements_checked} movements checked")
        return
    for mismatch in result.mismatches:
        err.print(f"mismatch: {mismatch}", highlight=False)
    raise CliError(
        f"ledger does not reconcile: {len(result.mismatches)} balance(s) differ "
        f"from their movements"
    )


@app.command(
    "import-stock",
    help="Book opening stock from a CSV file: every row or none.\n\n"
    "Columns (header row required, any order):\n\n" + columns_help().replace("\n", "\n\n"),
)
@exits_cleanly
def import_stock(
    csv_file: Annotated[
        Path, typer.Argument(help="CSV file; '-' reads stdin.", show_default=False)
    ],
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    try:
        count, total, source = _import_stock(csv_file, actor, db)
    except (StockCsvError, api.NodeError) as exc:
        raise CliError(f"{exc}; no rows were imported") from None
    out.print(f"imported {count} rows ({total} units) from {source}")


def _import_stock(csv_file: Path, actor: str | None, db: str | None) -> tuple[int, int, str]:
    if str(csv_file) == "-":
        text, source = sys.stdin.read(), "stdin"
    else:
        try:
            text, source = csv_file.read_text(encoding="utf-8-sig"), csv_file.name
        except OSError as exc:
            raise CliError(f"cannot read {csv_file}: {exc.strerror}") from None
    rows = read_stock_csv(text, source=source, actor=_actor(actor))
    with _node(db) as service:
        parts = sorted({row.receipt.part_number for row in rows})
        try:
            positions = service.stock_positions(parts)
        except api.NotFound:
            positions = service.stock_positions()  # to tell which row names an unknown part
        check_parts(rows, {p.part_number: p.unit_of_measure for p in positions}, source)
        try:
            service.receive_many([row.receipt for row in rows])
        except api.NodeError as exc:
            row = row_named_in(str(exc), rows)
            where = f"{source} line {row.line}" if row else source
            raise StockCsvError(f"{where}: {exc}") from None
    return len(rows), sum(row.receipt.quantity for row in rows), source
