"""Creating, upgrading and opening a node's database: the one place that wires the SQL service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from audit.ed25519 import Signer
from audit.keys import WeakPublicKeyError, check_public_key, load_private_key
from audit.store import AuditStoreError, LogReader, LogStore
from node.adapters import repository as repo
from node.adapters.engine import node_engine
from node.adapters.migrate import upgrade_to_head
from node.adapters.orm import NodeIdentity
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.clock import Clock, SystemClock
from node.service import sweeps
from node.service.api import InvalidInput, NodeService, PreconditionFailed
from node.service.audit_trail import NodeAuditTrail
from node.service.context import NodeContext
from node.service.sql_node import SqlNodeService

__all__ = ["Clock", "init_node", "open_node", "upgrade_schema"]


def upgrade_schema(database_url: str) -> None:
    """Apply every Alembic revision the database does not have yet."""
    upgrade_to_head(database_url)


def _validate_identity(
    member_id: str, member_name: str, pool_fraction: Decimal, currency: str
) -> Decimal:
    v.code(member_id, "member id")
    v.text(member_name, "member name", required=True)
    v.currency(currency)
    try:
        fraction = Decimal(pool_fraction)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"pool fraction {pool_fraction!r} is not a decimal number") from None
    if not Decimal(0) <= fraction <= Decimal(1):
        raise InvalidInput(f"pool fraction {fraction} must be between 0 and 1")
    return fraction


def init_node(
    database_url: str,
    *,
    member_id: str,
    member_name: str,
    pool_fraction: Decimal = Decimal("0.30"),
    audit_public_key: bytes = b"",
    audit_log_origin: str = "",
    currency: str = "EUR",
    clock: Clock | None = None,
) -> None:
    """Migrate to head and write who this node is. Again with the same member id: updates the
    name, fraction and audit key (republishing pool shares if the fraction moved)."""
    fraction = _validate_identity(member_id, member_name, pool_fraction, currency)
    upgrade_to_head(database_url)
    engine = node_engine(database_url, pool_size=1, max_overflow=0)
    now_ms = (clock or SystemClock()).now_ms()
    try:
        with SqlUnitOfWork(sessionmaker(engine, expire_on_commit=False), now_ms) as uow:
            row = repo.identity(uow.session)
            if row is not None and row.member_id != member_id:
                raise PreconditionFailed(
                    f"this database belongs to member {row.member_id}, not {member_id}"
                )
            if row is not None and row.currency != currency:
                raise PreconditionFailed(
                    f"the node keeps its books in {row.currency}; it cannot switch to {currency}"
                )
            before = Decimal(row.pool_fraction) if row is not None else None
            if row is None:
                row = NodeIdentity(id=1, member_id=member_id, created_at_ms=now_ms)
                uow.session.add(row)
            changed = (
                row.member_name,
                row.pool_fraction,
                row.audit_public_key,
                row.audit_log_origin,
            ) != (member_name, str(fraction), bytes(audit_public_key), audit_log_origin)
            row.member_name = member_name
            row.pool_fraction = str(fraction)
            row.currency = currency
            row.audit_public_key = bytes(audit_public_key)
            row.audit_log_origin = audit_log_origin
            if changed or before is None:
                uow.record(
                    "node.initialized",
                    "node",
                    member_id,
                    {
                        "member_id": member_id,
                        "member_name": member_name,
                        "pool_fraction": str(fraction),
                        "currency": currency,
                        "audit_public_key": bytes(audit_public_key),
                        "audit_log_origin": audit_log_origin,
                    },
                    actor="local-admin",
                )
            if before is not None and before != fraction:
                sweeps.refresh_all_pools(uow, _context(row, ""))
            _create_audit_log(
                uow, _origin(audit_log_origin, member_id), member_id, audit_public_key
            )
            uow.commit()
    finally:
        engine.dispose()


class _PublicKeyOnly(Signer):
    """Enough of a signer to create a log (its head names the public key); signs nothing."""

    def __init__(self, public_key: bytes) -> None:  # noqa: D107 - no private key on purpose
        self.public_key = bytes(public_key)

    def sign(self, message: bytes) -> bytes:
        raise RuntimeError("init_node holds no private key")


def _create_audit_log(uow: SqlUnitOfWork, origin: str, member_id: str, public_key: bytes) -> None:
    """The node's (empty) audit log, headed by its public key. A key that is not a usable
    Ed25519 public key gets no log: no private key can sign for it, so `open_node` with the
    node's signer will refuse it anyway."""
    try:
        check_public_key(public_key)
    except WeakPublicKeyError:
        return
    try:
        LogStore(origin, _PublicKeyOnly(public_key), member_id).create(uow.session)
    except AuditStoreError as exc:
        raise PreconditionFailed(f"the node's audit log cannot take this key: {exc}") from None


def _origin(audit_log_origin: str, member_id: str) -> str:
    return audit_log_origin or f"alliance.v1/node/{member_id}"


def _context(row: NodeIdentity, dictionary_version: str) -> NodeContext:
    return NodeContext(
        member_id=row.member_id,
        member_name=row.member_name,
        pool_fraction=Decimal(row.pool_fraction),
        currency=row.currency,
        audit_public_key=bytes(row.audit_public_key),
        audit_log_origin=row.audit_log_origin,
        dictionary_version=dictionary_version,
    )


def open_node(
    database_url: str,
    *,
    clock: Clock | None = None,
    dictionary_version: str = "",
    pool_size: int = 64,
    signer: Signer | None = None,
    audit_key_path: Path | None = None,
) -> NodeService:
    """The node's service over an initialised database (see `init_node`).

    With the node's audit key (`signer`, or the private key file `audit_key_path`) every
    change is also written, signed, to the node's audit log in its own transaction, and
    Reserve/Confirm/Release answers carry receipts. A node that keeps a log and is opened
    without its key can be read, but refuses every change: the log never misses one.
    """
    if signer is None and audit_key_path is not None:
        signer = Signer(load_private_key(audit_key_path))
    engine = node_engine(database_url, pool_size=pool_size)
    try:
        with SqlUnitOfWork(sessionmaker(engine, expire_on_commit=False), 0) as uow:
            row = repo.identity(uow.session)
            ctx = _context(row, dictionary_version) if row is not None else None
    except DBAPIError as exc:
        engine.dispose()
        raise PreconditionFailed(
            "the database is not an initialised node database; run `alliance node init` "
            f"first ({type(exc).__name__})"
        ) from exc
    if ctx is None:
        engine.dispose()
        raise PreconditionFailed("the node database has no identity; run `alliance node init`")
    audit = None
    if signer is not None:
        try:
            audit = _open_audit_log(engine, ctx, signer)
        except BaseException:
            engine.dispose()
            raise
    keeps_log = audit is not None or _keeps_audit_log(engine, ctx)
    return SqlNodeService(engine, ctx, clock or SystemClock(), audit, keeps_audit_log=keeps_log)


def _keeps_audit_log(engine: Engine, ctx: NodeContext) -> bool:
    """Whether init_node created a signed log for this node (it does with a real key)."""
    try:
        with engine.connect() as conn:
            return LogReader(_origin(ctx.audit_log_origin, ctx.member_id)).exists(conn)
    except DBAPIError:  # a database from before the audit log existed
        return False


def _open_audit_log(engine: Engine, ctx: NodeContext, signer: Signer) -> NodeAuditTrail:
    if signer.public_key != ctx.audit_public_key:
        raise PreconditionFailed(
            f"the audit key given is not the key node {ctx.member_id} was initialised with "
            f"(public key {ctx.audit_public_key.hex() or 'none'})"
        )
    store = LogStore(_origin(ctx.audit_log_origin, ctx.member_id), signer, ctx.member_id)
    with engine.begin() as conn:
        store.create(conn)  # idempotent: databases initialised before the audit log existed
    return NodeAuditTrail(store)
