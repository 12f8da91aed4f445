"""The coordinator's use cases (pool/service/api.py `Coordinator`) over the SQL store."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError

from audit.keys import check_public_key
from pool.adapters import orm
from pool.domain import credentials, visibility
from pool.domain import demand as demand_rules
from pool.domain import fairness as fair
from pool.domain.rate_limit import RateLimiter
from pool.domain.visibility import require_operator
from pool.service import views
from pool.service.api import (
    AuditStatus,
    DemandIn,
    DemandStatus,
    DemandView,
    FairnessRow,
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    MemberIn,
    MemberView,
    NotFound,
    PartPool,
    PreconditionFailed,
    Principal,
    RateLimited,
    Role,
    SettlementLine,
    TenantCredentials,
    TenantIn,
    Unauthenticated,
)
from pool.service.audit_trail import node_witness_views
from pool.service.context import Context

log = structlog.get_logger(__name__)

STAFF_REQUESTS_PER_MINUTE = 600
WAIT_REREAD_S = 1.0  # a long-polling reader re-reads at least this often


class SqlCoordinator:
    """Every use case; thread-safe (one session per call)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._limiter = RateLimiter(ctx.clock)
        self._waiting = 0  # readers in wait_for_demand now
        self._waiting_lock = threading.Lock()
        self._closing = False  # stopping: readers do not wait

    # --- membership ---------------------------------------------------------------------

    def register_member(self, principal: Principal, member: MemberIn) -> MemberView:
        require_operator(principal)
        demand_rules_code(member.member_id, "member id")
        try:
            check_public_key(member.audit_public_key)
        except ValueError as exc:
            raise InvalidInput(f"audit public key: {exc}") from None
        if not member.endpoint or ":" not in member.endpoint:
            raise InvalidInput("endpoint must be host:port")
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            row = s.get(orm.Member, member.member_id)
            if row is not None and row.audit_public_key != member.audit_public_key:
                raise PreconditionFailed(f"member {member.member_id} has another audit key")
            if row is None:
                row = orm.Member(
                    member_id=member.member_id,
                    registered_at_ms=now,
                    audit_public_key=member.audit_public_key,
                    last_sequence=0,
                )
                s.add(row)
            row.name = member.name
            row.endpoint = member.endpoint
            row.cert_identity = member.cert_identity or member.member_id
            row.active, row.revoked_at_ms = True, None
            self.ctx.trail.store.register_member_key(s, member.member_id, member.audit_public_key)
            self.ctx.trail.record(
                s,
                "member_registered",
                {
                    "member_id": member.member_id,
                    "endpoint": member.endpoint,
                    "audit_public_key": member.audit_public_key.hex(),
                },
                now,
            )
            view = views.member_view(row, now, self.ctx.staleness_ms)
        log.info("member_registered", member_id=member.member_id)
        return view

    def revoke_member(self, principal: Principal, member_id: str) -> MemberView:
        require_operator(principal)
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            row = s.get(orm.Member, member_id)
            if row is None:
                raise NotFound(f"member {member_id} is not registered")
            if row.active:
                row.active, row.revoked_at_ms = False, now
                self.ctx.trail.record(s, "member_revoked", {"member_id": member_id}, now)
            view = views.member_view(row, now, self.ctx.staleness_ms)
        log.info("member_revoked", member_id=member_id)
        return view

    def members(self, principal: Principal) -> list[MemberView]:
        now = self.ctx.now_ms()
        with self.ctx.sessions() as s:
            rows = s.scalars(sa.select(orm.Member).order_by(orm.Member.member_id)).all()
            return [
                views.member_view(r, now, self.ctx.staleness_ms)
                for r in rows
                if principal.role is Role.OPERATOR or r.member_id == principal.subject
            ]

    def is_revoked(self, member_id: str) -> bool:
        with self.ctx.sessions() as s:
            row = s.scalar(
                sa.select(orm.Member).where(
                    sa.or_(orm.Member.member_id == member_id, orm.Member.cert_identity == member_id)
                )
            )
            return row is not None and not row.active

    # --- tenants and keys ---------------------------------------------------------------

    def register_tenant(self, principal: Principal, tenant: TenantIn) -> TenantCredentials:
        require_operator(principal)
        demand_rules_code(tenant.tenant_id, "tenant id")
        if tenant.callback_url and not tenant.callback_url.startswith(("http://", "https://")):
            raise InvalidInput("callback URL must be http(s)")
        if not 1 <= tenant.requests_per_minute <= 100_000:
            raise InvalidInput("requests per minute must be from 1 to 100000")
        secret = credentials.new_webhook_secret()
        now = self.ctx.now_ms()
        try:
            with self.ctx.sessions.begin() as s:
                s.add(
                    orm.Tenant(
                        tenant_id=tenant.tenant_id,
                        name=tenant.name,
                        callback_url=tenant.callback_url,
                        requests_per_minute=tenant.requests_per_minute,
                        webhook_secret=secret,
                        created_at_ms=now,
                    )
                )
                s.flush()
                api_key = self._new_key(
                    s, Role.AUTOMAKER, tenant.tenant_id, tenant.requests_per_minute
                )
        except IntegrityError:
            raise PreconditionFailed(f"tenant {tenant.tenant_id} exists") from None
        return TenantCredentials(tenant.tenant_id, api_key, secret)

    def issue_api_key(self, principal: Principal, role: Role, subject: str) -> str:
        require_operator(principal)
        with self.ctx.sessions.begin() as s:
            if role is Role.SUPPLIER and s.get(orm.Member, subject) is None:
                raise NotFound(f"member {subject} is not registered")
            rpm = STAFF_REQUESTS_PER_MINUTE
            if role is Role.AUTOMAKER:
                tenant = s.get(orm.Tenant, subject)
                if tenant is None:
                    raise NotFound(f"tenant {subject} is not registered")
                rpm = tenant.requests_per_minute
            return self._new_key(s, role, subject, rpm)

    def _new_key(self, s: sa.orm.Session, role: Role, subject: str, rpm: int) -> str:
        key_id, api_key = credentials.new_api_key()
        s.add(
            orm.ApiKey(
                key_id=key_id,
                key_hash=credentials.hash_api_key(self.ctx.settings.api_key_secret, api_key),
                role=role.value,
                subject=subject,
                requests_per_minute=rpm,
                created_at_ms=self.ctx.now_ms(),
                revoked=False,
            )
        )
        return api_key

    def authenticate(self, api_key: str) -> Principal:
        key_id = credentials.key_id_of(api_key or "")
        with self.ctx.sessions() as s:
            row = s.get(orm.ApiKey, key_id) if key_id else None
            stored = row.key_hash if row is not None else "0" * 64
        # Compare even for unknown ids so timing does not tell which ids exist.
        ok = credentials.key_matches(self.ctx.settings.api_key_secret, api_key or "", stored)
        if row is None or row.revoked or not ok:
            raise Unauthenticated("unknown or revoked API key")
        if row.role == Role.SUPPLIER.value and self.is_revoked(row.subject):
            raise Forbidden(f"member {row.subject} is revoked")
        # One budget per tenant (or member, or operator), whichever of its keys is used.
        wait_s = self._limiter.take(f"{row.role}:{row.subject}", row.requests_per_minute)
        if wait_s:
            raise RateLimited("rate limit exceeded", retry_after_s=wait_s)
        return Principal(Role(row.role), row.subject)

    # --- pool view ----------------------------------------------------------------------

    def pool_view(self, principal: Principal, part_numbers: Sequence[str] = ()) -> list[PartPool]:
        now = self.ctx.now_ms()
        with self.ctx.sessions() as s:
            query = sa.select(orm.Cell, orm.Member).join(
                orm.Member, orm.Member.member_id == orm.Cell.member_id
            )
            query = query.where(orm.Member.active.is_(True), orm.Cell.opted_out.is_(False))
            if part_numbers:
                query = query.where(orm.Cell.part_number.in_(list(part_numbers)))
            cells = [
                views.cell_view(c, views.is_stale(m, now, self.ctx.staleness_ms))
                for c, m in s.execute(query)
            ]
        return visibility.part_pools(principal, cells)

    # --- demands ------------------------------------------------------------------------

    def submit_demand(
        self, principal: Principal, demand: DemandIn, idempotency_key: str
    ) -> tuple[DemandView, bool]:
        if principal.role is not Role.AUTOMAKER:
            raise Forbidden("only an automaker (a tenant) submits demands")
        if not idempotency_key or len(idempotency_key) > 200:
            raise InvalidInput("an Idempotency-Key of 1 to 200 characters is required")
        fingerprint = demand_rules.fingerprint(demand)
        replay = self._replay(principal.subject, idempotency_key, fingerprint)
        if replay is not None:
            return replay, True
        now = self.ctx.now_ms()
        demand_rules.validate(demand, now, self._known_parts())
        demand_id = str(uuid.uuid4())
        try:
            with self.ctx.sessions.begin() as s:
                s.add(
                    orm.Demand(
                        demand_id=demand_id,
                        tenant_id=principal.subject,
                        reference=demand.reference,
                        idempotency_key=idempotency_key,
                        fingerprint=fingerprint,
                        lines_json=views.lines_to_json(demand.lines),
                        status=DemandStatus.RECEIVED.value,
                        failure="",
                        created_at_ms=now,
                        updated_at_ms=now,
                    )
                )
                s.flush()
                self.ctx.trail.record(
                    s,
                    "demand",
                    {
                        "demand_id": demand_id,
                        "tenant_id": principal.subject,
                        "fingerprint": fingerprint,
                        "lines": len(demand.lines),
                    },
                    now,
                )
                view = views.demand_view(s, s.get(orm.Demand, demand_id))  # type: ignore[arg-type]
        except IntegrityError:
            replay = self._replay(principal.subject, idempotency_key, fingerprint)
            if replay is None:
                raise
            return replay, True
        log.info("demand_received", demand_id=demand_id, tenant_id=principal.subject)
        self.ctx.on_demand_ready(demand_id)
        return view, False

    def _replay(self, tenant_id: str, key: str, fingerprint: str) -> DemandView | None:
        with self.ctx.sessions() as s:
            row = s.scalar(
                sa.select(orm.Demand).where(
                    orm.Demand.tenant_id == tenant_id, orm.Demand.idempotency_key == key
                )
            )
            if row is None:
                return None
            if row.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "this Idempotency-Key was used with a different demand body"
                )
            return views.demand_view(s, row)

    def _known_parts(self) -> set[str]:
        with self.ctx.sessions() as s:
            return set(
                s.scalars(
                    sa.select(orm.Cell.part_number)
                    .join(orm.Member, orm.Member.member_id == orm.Cell.member_id)
                    .where(orm.Member.active.is_(True), orm.Cell.opted_out.is_(False))
                    .distinct()
                )
            )

    def get_demand(self, principal: Principal, demand_id: str) -> DemandView:
        with self.ctx.sessions() as s:
            row = s.get(orm.Demand, demand_id)
            # Someone else's demand is "not found": its existence is not ours to reveal.
            if row is None or not visibility.may_see_demand(principal, row.tenant_id):
                raise NotFound(f"demand {demand_id} not found")
            return views.demand_view(s, row)

    def list_demands(self, principal: Principal, limit: int = 100) -> list[DemandView]:
        if principal.role is Role.SUPPLIER:
            raise Forbidden("suppliers do not see automakers' demands")
        with self.ctx.sessions() as s:
            query = sa.select(orm.Demand).order_by(orm.Demand.created_at_ms.desc())
            if principal.role is Role.AUTOMAKER:
                query = query.where(orm.Demand.tenant_id == principal.subject)
            rows = s.scalars(query.limit(max(1, min(limit, 1000)))).all()
            return [views.demand_view(s, r) for r in rows]

    def wait_for_demand(
        self,
        principal: Principal,
        demand_id: str,
        statuses: Sequence[DemandStatus],
        timeout_s: float,
    ) -> DemandView:
        """The demand once its status is one of `statuses`, or as it is after `timeout_s`.

        Woken by every step this process takes on a demand; the fallback re-read covers a
        change this process did not make. With `max_long_polls` readers already waiting (each
        holds a thread of the HTTP server) it answers at once, so waiting never starves the
        other calls."""
        with self._waiting_lock:
            wait = (
                timeout_s > 0
                and not self._closing
                and self._waiting < self.ctx.settings.max_long_polls
            )
            self._waiting += wait
        if not wait:
            return self.get_demand(principal, demand_id)
        try:
            return self._wait_for_demand(principal, demand_id, statuses, timeout_s)
        finally:
            with self._waiting_lock:
                self._waiting -= 1

    @property
    def waiting_readers(self) -> int:
        """Readers blocked in wait_for_demand now (long polls)."""
        return self._waiting

    def end_long_polls(self) -> None:
        """Shutting down: every waiting reader answers now with the demand as it is, and no
        new one waits, so a stopping server is not held open by long polls."""
        with self._waiting_lock:
            self._closing = True
        self.ctx.notify_changed()

    def resume_long_polls(self) -> None:
        """Serving again (a start after a stop): readers may wait again."""
        with self._waiting_lock:
            self._closing = False

    def _wait_for_demand(
        self,
        principal: Principal,
        demand_id: str,
        statuses: Sequence[DemandStatus],
        timeout_s: float,
    ) -> DemandView:
        deadline = time.monotonic() + timeout_s
        while True:
            seen = self.ctx.generation
            view = self.get_demand(principal, demand_id)
            left = deadline - time.monotonic()
            if view.status in statuses or left <= 0 or self._closing:
                return view
            self.ctx.wait_changed(seen, min(left, WAIT_REREAD_S))

    # --- settlement, fairness, audit ----------------------------------------------------

    def settlement(self, principal: Principal, since_ms: int = 0) -> list[SettlementLine]:
        with self.ctx.sessions() as s:
            query = (
                sa.select(orm.Allocation, orm.Reservation, orm.Demand)
                .join(
                    orm.Reservation,
                    orm.Reservation.reservation_id == orm.Allocation.reservation_id,
                )
                .join(orm.Demand, orm.Demand.demand_id == orm.Reservation.demand_id)
                .where(
                    orm.Reservation.state == "confirmed",
                    orm.Reservation.confirmed_at_ms >= since_ms,
                )
                .order_by(orm.Reservation.confirmed_at_ms, orm.Allocation.allocation_id)
            )
            if principal.role is Role.SUPPLIER:
                query = query.where(orm.Allocation.member_id == principal.subject)
            elif principal.role is Role.AUTOMAKER:
                query = query.where(orm.Demand.tenant_id == principal.subject)
            return [
                SettlementLine(
                    plan_id=a.plan_id,
                    demand_id=d.demand_id,
                    tenant_id=d.tenant_id,
                    member_id=a.member_id,
                    part_number=a.part_number,
                    quantity=a.quantity,
                    unit_price_micros=a.unit_price_micros,
                    amount_micros=a.quantity * a.unit_price_micros,
                    currency=a.currency,
                    confirmed_at_ms=r.confirmed_at_ms or 0,
                )
                for a, r, d in s.execute(query)
            ]

    def fairness(
        self, principal: Principal, since_ms: int = 0, until_ms: int | None = None
    ) -> list[FairnessRow]:
        """Per supplier and part over [since_ms, until_ms) (default: until now): what it kept
        in the pool, weighted by time, against the stock the alliance drew from it."""
        if principal.role is Role.AUTOMAKER:
            raise Forbidden("automakers do not see members' contributions")
        until = self.ctx.now_ms() if until_ms is None else until_ms
        if since_ms < 0 or until <= since_ms:
            raise InvalidInput("the period must start at 0 or later and end after it starts")
        with self.ctx.sessions() as s:
            current = {
                (c.member_id, c.part_number): c.contributed_quantity
                for c in s.scalars(sa.select(orm.Cell))
            }
            history: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
            for row in s.execute(
                sa.select(
                    orm.Contribution.member_id,
                    orm.Contribution.part_number,
                    orm.Contribution.at_ms,
                    orm.Contribution.contributed_quantity,
                )
                .where(orm.Contribution.at_ms < until)
                .order_by(orm.Contribution.at_ms, orm.Contribution.contribution_id)
            ):
                history[(row.member_id, row.part_number)].append(
                    (row.at_ms, row.contributed_quantity)
                )
            drawn_rows = s.execute(
                sa.select(
                    orm.Allocation.member_id,
                    orm.Allocation.part_number,
                    sa.func.sum(orm.Allocation.quantity),
                )
                .join(
                    orm.Reservation,
                    orm.Reservation.reservation_id == orm.Allocation.reservation_id,
                )
                .where(
                    orm.Reservation.state == "confirmed",
                    orm.Allocation.source == "stock",
                    orm.Reservation.confirmed_at_ms >= since_ms,
                    orm.Reservation.confirmed_at_ms < until,
                )
                .group_by(orm.Allocation.member_id, orm.Allocation.part_number)
            ).all()
        drawn = {(m, p): int(q) for m, p, q in drawn_rows}
        kept = {key: fair.unit_ms(changes, since_ms, until) for key, changes in history.items()}
        keys = sorted(set(current) | set(kept) | set(drawn))
        part_kept: dict[str, int] = defaultdict(int)
        part_drawn: dict[str, int] = defaultdict(int)
        for member, part in keys:
            part_kept[part] += kept.get((member, part), 0)
            part_drawn[part] += drawn.get((member, part), 0)
        rows = []
        for member, part in keys:
            if principal.role is Role.SUPPLIER and member != principal.subject:
                continue
            k, d = kept.get((member, part), 0), drawn.get((member, part), 0)
            rows.append(
                FairnessRow(
                    member_id=member,
                    part_number=part,
                    contributed_quantity=current.get((member, part), 0),
                    average_contributed_quantity=fair.average_quantity(k, since_ms, until),
                    drawn_quantity=d,
                    contribution_share_ppm=fair.share_ppm(k, part_kept[part]),
                    draw_share_ppm=fair.share_ppm(d, part_drawn[part]),
                )
            )
        return rows

    def audit_status(self, principal: Principal) -> AuditStatus:
        if principal.role is Role.AUTOMAKER:
            raise Forbidden("the audit status is for alliance members and staff")
        trail = self.ctx.trail
        with self.ctx.sessions.begin() as s:
            size = trail.store.size(s)
            note = trail.checkpoint(s)
            cosigned_size, cosigned_note = trail.latest_cosigned(s) or (None, "")
            last = s.scalar(
                sa.select(orm.AuditVerification).order_by(
                    orm.AuditVerification.verification_id.desc()
                )
            )
            return AuditStatus(
                log_size=size,
                latest_checkpoint=note,
                cosigned_by=trail.cosigners(s, cosigned_size) if cosigned_size else (),
                last_verified_at_ms=last.verified_at_ms if last else None,
                last_verification_ok=last.ok if last else None,
                cosigned_checkpoint=cosigned_note,
                cosigned_size=cosigned_size,
                last_verification_detail=last.detail if last else "",
                nodes=tuple(
                    w
                    for w in node_witness_views(s)
                    if principal.role is Role.OPERATOR or w.member_id == principal.subject
                ),
            )

    # --- cosigning (additions to the protocol) ------------------------------------------

    def coordinator_checkpoint(self) -> tuple[str, bytes]:
        """The coordinator's latest signed checkpoint and its log key, for nodes to cosign."""
        with self.ctx.sessions.begin() as s:
            return self.ctx.trail.checkpoint(s), self.ctx.trail.public_key

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        with self.ctx.sessions() as s:
            return self.ctx.trail.store.consistency_proof(s, size1, size2)

    def add_checkpoint_cosignature(self, member_id: str, cosigned_note: str) -> str:
        """Store a member's cosignature on one of our checkpoints (checked with its key)."""
        with self.ctx.sessions.begin() as s:
            member = s.get(orm.Member, member_id)
            if member is None or not member.active:
                raise PreconditionFailed(f"member {member_id} is not an active member")
            try:
                return self.ctx.trail.store.add_cosignature(
                    s, cosigned_note, member_id, member.audit_public_key
                )
            except Exception as exc:  # audit errors: refuse, with the reason
                raise InvalidInput(f"cosignature refused: {exc}") from None


def demand_rules_code(value: str, what: str) -> None:
    if not isinstance(value, str) or not demand_rules._CODE.fullmatch(value):
        raise InvalidInput(f"{what} {value!r} must be letters, digits, . _ / -")
