"""Plan execution as a persisted state machine: quote → plan → reserve → confirm, or release.

Each `step` reads the demand's persisted status, does one stage's remote calls and commits
the outcome, so a coordinator that stops anywhere resumes from the database: reservation ids
are derived from (plan, revision, member, source), a re-sent Reserve is the same hold, and a
CONFIRMING demand asks each node what became of its hold before confirming it.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from pool.adapters import orm
from pool.adapters.node_client import (
    NodeCallError,
    NodeClient,
    NodeUnavailable,
    QuoteLineData,
    ReservationData,
    ReserveLineData,
)
from pool.domain import demand as rules
from pool.service import planning, views
from pool.service.api import DemandLineIn, DemandStatus
from pool.service.context import Context
from pool.service.holds import HoldBook, Settlement
from pool.service.nodes import NodeDirectory

log = structlog.get_logger(__name__)

HELD = ("planned", "reserved", "confirmed", "in_doubt")
T = TypeVar("T")


class PlanExecutor:
    def __init__(self, ctx: Context, nodes: NodeDirectory, calls: ThreadPoolExecutor) -> None:
        self.ctx = ctx
        self.nodes = nodes
        self._calls = calls
        self.holds = HoldBook(ctx, nodes)
        self._stages: dict[DemandStatus, Callable[[str], None]] = {
            DemandStatus.RECEIVED: self._receive,
            DemandStatus.QUOTING: self._quote_and_plan,
            DemandStatus.PLANNING: self._quote_and_plan,
            DemandStatus.RESERVING: self._reserve,
            DemandStatus.CONFIRMING: self._confirm,
            DemandStatus.COMPENSATING: self._compensate,
        }

    def status(self, demand_id: str) -> DemandStatus:
        with self.ctx.sessions() as s:
            row = s.get(orm.Demand, demand_id)
            assert row is not None, demand_id
            return DemandStatus(row.status)

    def step(self, demand_id: str) -> DemandStatus:
        status = self.status(demand_id)
        if status not in rules.TERMINAL:
            with structlog.contextvars.bound_contextvars(demand_id=demand_id):
                self._stages[status](demand_id)
        self.ctx.on_webhook_queued()
        self.ctx.notify_changed()
        return self.status(demand_id)

    def run(self, demand_id: str, max_steps: int = 100) -> DemandStatus:
        status = self.status(demand_id)
        for _ in range(max_steps):
            if status in rules.TERMINAL:
                break
            status = self.step(demand_id)
        return status

    def run_until(self, demand_id: str, stop_at: DemandStatus, max_steps: int = 20) -> DemandStatus:
        """Step until the demand reaches `stop_at` (or ends): tests stop between stages."""
        status = self.status(demand_id)
        for _ in range(max_steps):
            if status is stop_at or status in rules.TERMINAL:
                break
            status = self.step(demand_id)
        return status

    # --- stages -------------------------------------------------------------------------

    def _receive(self, demand_id: str) -> None:
        with self.ctx.sessions.begin() as s:
            self._move(s, demand_id, DemandStatus.QUOTING)

    def _quote_and_plan(self, demand_id: str) -> None:
        started = time.perf_counter()
        with self.ctx.sessions.begin() as s:
            demand = self._demand(s, demand_id)
            plan = self._plan_row(s, demand_id)
            lines = views.lines_from_json(demand.lines_json)
            residual = self._residual(s, plan.plan_id, lines)
            excluded = set(json.loads(plan.excluded_json))
            members = s.scalars(sa.select(orm.Member).where(orm.Member.active.is_(True))).all()
            stale = {
                m.member_id
                for m in members
                if views.is_stale(m, self.ctx.now_ms(), self.ctx.staleness_ms)
            }
            relevant = self._relevant(s, members, {x.part_number for x in residual})
            s.expunge_all()
        if not residual:
            with self.ctx.sessions.begin() as s:
                self._move(s, demand_id, DemandStatus.CONFIRMING)
            return
        left_out = [(m, "refused or failed in an earlier revision") for m in sorted(excluded)]
        left_out += [(m.member_id, "stale") for m in relevant if m.member_id in stale]
        asked = [m for m in relevant if m.member_id not in excluded | stale]
        quotes, missed = self._quotes(asked, demand_id, residual)
        left_out += missed
        quoted = time.perf_counter()
        with self.ctx.sessions.begin() as s:
            if self._demand(s, demand_id).status != DemandStatus.PLANNING.value:
                self._move(s, demand_id, DemandStatus.PLANNING)
        history = self._history()
        offers = planning.offers_from_quotes(quotes, residual, history)
        request = planning.plan_request(
            plan.plan_id,
            self.ctx.now_ms(),
            residual,
            offers,
            self.ctx.settings.solver_time_limit_ms,
        )
        solved = planning.solve_plan(request)
        timings = {
            "quote": int((quoted - started) * 1000),
            "solve": int((time.perf_counter() - quoted) * 1000),
        }
        self._persist_plan(demand_id, plan.plan_id, residual, quotes, solved, left_out, timings)

    def _persist_plan(
        self,
        demand_id: str,
        plan_id: str,
        residual: Sequence[DemandLineIn],
        quotes: dict[str, list[QuoteLineData]],
        solved: Any,
        left_out: list[tuple[str, str]],
        timings: dict[str, int],
    ) -> None:
        now = self.ctx.now_ms()
        line_of = {x.line_id: x for x in residual}
        currency = {(m, q.part_number): q.currency or "EUR" for m, qs in quotes.items() for q in qs}
        chosen_text = {
            (e.line_id, e.supplier_id, e.source): e for e in solved.explanations if e.chosen
        }
        with self.ctx.sessions.begin() as s:
            demand = self._demand(s, demand_id)
            plan = s.get(orm.Plan, plan_id)
            assert plan is not None
            plan.revision += 1
            revision = plan.revision
            rid_of = {
                (a.supplier_id, a.source): rules.reservation_id(
                    plan_id, revision, a.supplier_id, a.source
                )
                for a in solved.allocations
            }
            existing = set(
                s.scalars(
                    sa.select(orm.Reservation.reservation_id).where(
                        orm.Reservation.reservation_id.in_(set(rid_of.values()))
                    )
                )
            )
            for (member_id, _), rid in sorted(rid_of.items()):
                if rid not in existing:
                    s.add(
                        orm.Reservation(
                            reservation_id=rid,
                            plan_id=plan_id,
                            demand_id=demand_id,
                            revision=revision,
                            member_id=member_id,
                            state="planned",
                            sales_order_number="",
                            error="",
                            updated_at_ms=now,
                        )
                    )
            s.flush()  # holds before the allocations that name them
            for a in solved.allocations:
                rid = rid_of[(a.supplier_id, a.source)]
                text = chosen_text.get((a.line_id, a.supplier_id, a.source))
                line = line_of[a.line_id]
                s.add(
                    orm.Allocation(
                        plan_id=plan_id,
                        reservation_id=rid,
                        line_id=a.line_id,
                        member_id=a.supplier_id,
                        part_number=a.part_number,
                        unit_of_measure=line.unit_of_measure,
                        quantity=a.quantity,
                        source=a.source,
                        ship_at_ms=a.ship_at,
                        arrival_at_ms=a.arrival_at,
                        due_at_ms=line.due_at_ms,
                        destination=line.destination,
                        unit_price_micros=a.unit_price_micros,
                        landed_cost_micros=a.landed_cost_micros,
                        currency=currency.get((a.supplier_id, a.part_number), "EUR"),
                        explanation_en=text.text_en if text else "",
                        explanation_zh=text.text_zh if text else "",
                    )
                )
            plan.objective_micros = solved.solver.objective_micros
            plan.bound_micros = solved.solver.bound_micros
            plan.gap_ppm = solved.solver.gap_ppm
            plan.solver = solved.solver.backend
            plan.shortages_json = json.dumps(
                [
                    {
                        "line_id": u.line_id,
                        "part_number": u.part_number,
                        "quantity": u.quantity,
                        "reason": u.reason.value,
                        "text_en": u.text_en,
                        "text_zh": u.text_zh,
                    }
                    for u in solved.unfilled
                ]
            )
            known = [tuple(x) for x in json.loads(plan.left_out_json)]
            plan.left_out_json = json.dumps(sorted(set(known) | set(left_out)))
            plan.timings_json = json.dumps({**json.loads(plan.timings_json), **timings})
            plan.explanations_json = json.dumps(
                [e.model_dump(mode="json") for e in solved.explanations[:500]]
            )
            plan.decided_at_ms = now
            held = self._reservations(s, plan_id, ("reserved", "confirmed"))
            if solved.allocations:
                target = DemandStatus.RESERVING
            elif held:
                target = DemandStatus.CONFIRMING
            else:
                target = DemandStatus.FAILED
            self.ctx.trail.record(
                s,
                "plan",
                {
                    "demand_id": demand_id,
                    "plan_id": plan_id,
                    "revision": revision,
                    "allocations": [
                        [a.line_id, a.supplier_id, a.source, a.quantity, a.unit_price_micros]
                        for a in solved.allocations
                    ],
                    "unfilled": sum(u.quantity for u in solved.unfilled),
                    "left_out": [list(x) for x in left_out],
                },
                now,
            )
            self._webhook(s, demand, "plan.decided", plan)
            failure = "no member could supply any line" if target is DemandStatus.FAILED else ""
            self._move(s, demand_id, target, failure)
        log.info(
            "plan_decided",
            demand_id=demand_id,
            plan_id=plan_id,
            revision=revision,
            allocations=len(solved.allocations),
            left_out=len(left_out),
        )

    def _reserve(self, demand_id: str) -> None:
        with self.ctx.sessions() as s:
            plan = self._plan_row(s, demand_id)
            pending = self._reservations(s, plan.plan_id, ("planned",))
            work = [(r, self._member(s, r.member_id), self._lines(s, r)) for r in pending]
            s.expunge_all()
        calls = []
        for reservation, member, lines in work:
            if not member.active:
                self.holds.settle(reservation.reservation_id, "refused", "member revoked")
                continue
            client = self.nodes.client(member)
            calls.append(
                (
                    reservation,
                    member,
                    lambda c=client, r=reservation, ls=lines: c.reserve(
                        r.reservation_id,
                        plan.plan_id,
                        demand_id,
                        ls,
                        self.ctx.settings.reservation_ttl_s,
                    ),
                )
            )
        started = time.perf_counter()
        outcomes = self._parallel([fn for _, _, fn in calls])
        settled, rejected = [], []
        for (reservation, member, _), outcome in zip(calls, outcomes, strict=True):
            rid = reservation.reservation_id
            problem = (
                self.holds.receipt_problem(outcome, member, rid)
                if isinstance(outcome, ReservationData)
                and outcome.state in ("pending", "confirmed")
                else ""
            )
            if problem:
                rejected.append((rid, member, outcome, problem))
            else:
                settled.append(_reserve_settlement(rid, member, outcome))
        self.holds.settle_all(settled)  # the whole stage in one transaction
        for rid, member, outcome, problem in rejected:
            self.holds.reject_receipt(rid, member, outcome, problem)
        self._after_holds(demand_id, plan.plan_id, DemandStatus.CONFIRMING, started, "reserve")

    def _after_holds(
        self, demand_id: str, plan_id: str, success: DemandStatus, started: float, stage: str
    ) -> None:
        with self.ctx.sessions.begin() as s:
            plan = s.get(orm.Plan, plan_id)
            assert plan is not None
            plan.timings_json = json.dumps(
                {
                    **json.loads(plan.timings_json),
                    stage: int((time.perf_counter() - started) * 1000),
                }
            )
            failed = {
                r.member_id
                for r in self._reservations(s, plan_id, ("refused", "orphan"))
                if r.revision == plan.revision or stage == "confirm"
            }
            excluded = set(json.loads(plan.excluded_json))
            new_failures = failed - excluded
            if not new_failures:
                if success is DemandStatus.CONFIRMED:
                    self._confirmed(s, demand_id, plan, self._doubt(s, plan_id))
                else:
                    self._move(s, demand_id, success)
                return
            plan.excluded_json = json.dumps(sorted(excluded | new_failures))
            held = self._reservations(s, plan_id, ("reserved",))
            confirmed = self._reservations(s, plan_id, ("confirmed",))
            if plan.revision < self.ctx.settings.max_revisions:
                log.info(
                    "replanning", demand_id=demand_id, plan_id=plan_id, around=sorted(new_failures)
                )
                self._move(s, demand_id, DemandStatus.QUOTING)
            elif confirmed and not held:
                self._confirmed(s, demand_id, plan, failure="some holds failed after re-planning")
            elif held and stage == "reserve":
                self._move(s, demand_id, DemandStatus.CONFIRMING)
            else:
                self._move(s, demand_id, DemandStatus.COMPENSATING, "nodes failed; out of re-plans")

    def _confirm(self, demand_id: str) -> None:
        with self.ctx.sessions() as s:
            plan = self._plan_row(s, demand_id)
            held = self._reservations(s, plan.plan_id, ("reserved",))
            work = [(r, self._member(s, r.member_id)) for r in held]
            s.expunge_all()
        started = time.perf_counter()
        # Ask first: a hold that expired or a node that is gone is re-planned around before
        # anything is confirmed, so confirmation is all-or-nothing whenever it can be.
        checks = self._parallel(
            [self._call(m, lambda c, r=r: c.get_reservation(r.reservation_id)) for r, m in work]
        )
        ready, lost = [], 0
        for (reservation, member), outcome in zip(work, checks, strict=True):
            rid = reservation.reservation_id
            if isinstance(outcome, ReservationData) and outcome.state == "pending":
                ready.append((reservation, member))
            elif isinstance(outcome, ReservationData) and outcome.state == "confirmed":
                self.holds.settle(rid, "confirmed", "", outcome, member)
            elif isinstance(outcome, NodeUnavailable | PermissionError):
                self.holds.settle(rid, "orphan", str(outcome))
                lost += 1
            else:
                self.holds.settle(rid, "refused", f"hold lost before confirmation: {outcome}")
                lost += 1
        if lost:
            self._after_holds(demand_id, plan.plan_id, DemandStatus.CONFIRMED, started, "confirm")
            return
        outcomes = self._parallel(
            [
                self._call(m, lambda c, r=r: self._retrying(lambda: c.confirm(r.reservation_id)))
                for r, m in ready
            ]
        )
        settled, rejected = [], []
        for (reservation, member), outcome in zip(ready, outcomes, strict=True):
            rid = reservation.reservation_id
            if isinstance(outcome, ReservationData) and outcome.state == "confirmed":
                settlement, problem = self.holds.confirmed(rid, member, outcome)
                settled.append(settlement)
                if problem:
                    rejected.append((rid, member, outcome, problem))
            elif isinstance(outcome, NodeUnavailable):
                # The node may have confirmed and lost only its answer: planning these lines
                # again could ship them twice, so the hold stays counted until it answers.
                settled.append(Settlement(rid, "in_doubt", f"confirmation unanswered: {outcome}"))
            else:
                settled.append(Settlement(rid, "refused", f"confirm refused: {outcome}"))
        self.holds.settle_all(settled)  # the whole stage in one transaction
        self.holds.record_rejections(rejected)
        self._after_holds(demand_id, plan.plan_id, DemandStatus.CONFIRMED, started, "confirm")

    def _compensate(self, demand_id: str) -> None:
        with self.ctx.sessions() as s:
            plan = self._plan_row(s, demand_id)
            open_ = self._reservations(
                s, plan.plan_id, ("planned", "reserved", "orphan", "in_doubt")
            )
            ids = [r.reservation_id for r in open_]
        for rid in ids:
            self.holds.release_orphan(rid, final_state="released")
        with self.ctx.sessions.begin() as s:
            failure = self._demand(s, demand_id).failure or "compensated"
            self._move(s, demand_id, DemandStatus.FAILED, failure)
        log.info("demand_compensated", demand_id=demand_id, plan_id=plan.plan_id)

    def resolve_in_doubt(self, rid: str) -> bool:
        """Settle an unanswered confirmation (`HoldBook.resolve_in_doubt`); the automaker, told
        of the doubt when the plan was confirmed, gets the plan again (`plan.updated`)."""
        if not self.holds.resolve_in_doubt(rid):
            return False
        with self.ctx.sessions.begin() as s:
            reservation = s.get(orm.Reservation, rid)
            assert reservation is not None
            plan = s.get(orm.Plan, reservation.plan_id)
            demand = self._demand(s, reservation.demand_id)
            if plan is not None and demand.status == DemandStatus.CONFIRMED.value:
                self._webhook(s, demand, "plan.updated", plan)
        return True

    def _doubt(self, s: Session, plan_id: str) -> str:
        doubtful = self._reservations(s, plan_id, ("in_doubt",))
        if not doubtful:
            return ""
        members = ", ".join(sorted({r.member_id for r in doubtful}))
        return f"confirmation unanswered by {members}; settled when they answer, never re-planned"

    # --- helpers ------------------------------------------------------------------------

    def _call(self, member: orm.Member, fn: Callable[[NodeClient], T]) -> Callable[[], T]:
        def call() -> T:
            return fn(self.nodes.client(member))

        return call

    def _retrying(self, fn: Callable[[], T]) -> T:
        for attempt in Retrying(
            retry=retry_if_exception_type(NodeUnavailable),
            stop=stop_after_attempt(3),
            wait=wait_fixed(0.2),
            reraise=True,
        ):
            with attempt:
                return fn()
        raise AssertionError("unreachable")

    def _parallel(self, calls: Sequence[Callable[[], T]]) -> list[T | Exception]:
        futures = [self._calls.submit(fn) for fn in calls]
        results: list[T | Exception] = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:  # noqa: BLE001 - each outcome is judged by the caller
                results.append(exc)
        return results

    def _quotes(
        self, members: Sequence[orm.Member], demand_id: str, lines: Sequence[DemandLineIn]
    ) -> tuple[dict[str, list[QuoteLineData]], list[tuple[str, str]]]:
        deadline_ms = self.ctx.settings.quote_deadline_ms
        asked = [
            ReserveLineData(
                x.line_id,
                x.part_number,
                x.quantity,
                x.unit_of_measure,
                "stock",
                x.due_at_ms,
                x.destination,
            )
            for x in lines
        ]
        futures = {
            self._calls.submit(
                self.nodes.client(m).quote, demand_id, asked, deadline_ms / 1000
            ): m.member_id
            for m in members
        }
        done, not_done = wait(futures, timeout=deadline_ms / 1000 + 0.05)
        quotes, left_out = {}, []
        for future in not_done:
            left_out.append((futures[future], f"missed the quote deadline of {deadline_ms} ms"))
        for future in done:
            member_id = futures[future]
            exc = future.exception()
            if exc is None:
                quotes[member_id] = future.result()
            elif isinstance(exc, NodeUnavailable) and "DEADLINE" in str(exc):
                left_out.append((member_id, f"missed the quote deadline of {deadline_ms} ms"))
            else:
                left_out.append((member_id, f"quote failed: {exc}"))
        return quotes, left_out

    def _history(self) -> planning.History:
        with self.ctx.sessions() as s:
            counts = s.execute(
                sa.select(orm.Reservation.member_id, orm.Reservation.state, sa.func.count())
                .where(orm.Reservation.state.in_(["confirmed", "refused", "orphan"]))
                .group_by(orm.Reservation.member_id, orm.Reservation.state)
            ).all()
            drawn = s.execute(
                sa.select(
                    orm.Allocation.member_id,
                    orm.Allocation.part_number,
                    sa.func.sum(orm.Allocation.quantity),
                )
                .join(
                    orm.Reservation,
                    orm.Reservation.reservation_id == orm.Allocation.reservation_id,
                )
                .where(orm.Reservation.state == "confirmed")
                .group_by(orm.Allocation.member_id, orm.Allocation.part_number)
            ).all()
        by_member: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for member, state, n in counts:
            by_member[member][0 if state == "confirmed" else 1] += int(n)
        return planning.History(
            {m: planning.reliability_permille(c, f) for m, (c, f) in by_member.items()},
            {(m, p): int(q) for m, p, q in drawn},
        )

    def _relevant(
        self, s: Session, members: Sequence[orm.Member], parts: set[str]
    ) -> list[orm.Member]:
        pooled = set(
            s.scalars(
                sa.select(orm.Cell.member_id)
                .where(orm.Cell.part_number.in_(list(parts)), orm.Cell.opted_out.is_(False))
                .distinct()
            )
        )
        return [m for m in members if m.member_id in pooled]

    def _residual(
        self, s: Session, plan_id: str, lines: Sequence[DemandLineIn]
    ) -> list[DemandLineIn]:
        covered: dict[str, int] = defaultdict(int)
        rows = s.execute(
            sa.select(orm.Allocation.line_id, orm.Allocation.quantity)
            .join(
                orm.Reservation,
                orm.Reservation.reservation_id == orm.Allocation.reservation_id,
            )
            .where(orm.Allocation.plan_id == plan_id, orm.Reservation.state.in_(HELD))
        )
        for line_id, quantity in rows:
            covered[line_id] += quantity
        residual = []
        for line in lines:
            left = line.quantity - covered[line.line_id]
            if left > 0:
                residual.append(dataclasses.replace(line, quantity=left))
        return residual

    def _confirmed(self, s: Session, demand_id: str, plan: orm.Plan, failure: str = "") -> None:
        plan.confirmed_at_ms = self.ctx.now_ms()
        demand = self._demand(s, demand_id)
        # Received -> confirmed on the coordinator's clock, re-plans and retries included.
        total = plan.confirmed_at_ms - demand.created_at_ms
        plan.timings_json = json.dumps({**json.loads(plan.timings_json), "total": total})
        self._webhook(s, demand, "plan.confirmed", plan)
        self._move(s, demand_id, DemandStatus.CONFIRMED, failure)
        self.ctx.trail.checkpoint(s)
        log.info("plan_confirmed", demand_id=demand_id, plan_id=plan.plan_id)

    def _webhook(self, s: Session, demand: orm.Demand, event: str, plan: orm.Plan) -> None:
        tenant = s.get(orm.Tenant, demand.tenant_id)
        if tenant is None or not tenant.callback_url:
            return
        s.flush()
        view = views.plan_view(s, plan)
        body = {
            "event": event,
            "demand_id": demand.demand_id,
            "reference": demand.reference,
            "plan_id": plan.plan_id,
            "revision": plan.revision,
            "allocations": [
                {
                    "line_id": a.line_id,
                    "member_id": a.member_id,
                    "part_number": a.part_number,
                    "quantity": a.quantity,
                    "source": a.source,
                    "arrival_at_ms": a.arrival_at_ms,
                    "state": a.state.value,
                }
                for a in view.allocations
            ],
            "shortages": [{"line_id": x.line_id, "quantity": x.quantity} for x in view.shortages],
        }
        s.add(
            orm.WebhookDelivery(
                tenant_id=tenant.tenant_id,
                demand_id=demand.demand_id,
                event=event,
                body=json.dumps(body, sort_keys=True, separators=(",", ":")),
                attempts=0,
                created_at_ms=self.ctx.now_ms(),
                failed=False,
                last_error="",
            )
        )

    def _move(self, s: Session, demand_id: str, new: DemandStatus, failure: str = "") -> None:
        demand = self._demand(s, demand_id)
        current = DemandStatus(demand.status)
        rules.check_transition(current, new)
        now = self.ctx.now_ms()
        demand.status, demand.updated_at_ms = new.value, now
        if failure:
            demand.failure = failure
        self.ctx.trail.record(
            s,
            "demand_status",
            {"demand_id": demand_id, "from": current.value, "to": new.value, "failure": failure},
            now,
        )
        log.info("demand_status", demand_id=demand_id, status=new.value, previous=current.value)

    @staticmethod
    def _demand(s: Session, demand_id: str) -> orm.Demand:
        row = s.get(orm.Demand, demand_id)
        assert row is not None, demand_id
        return row

    @staticmethod
    def _member(s: Session, member_id: str) -> orm.Member:
        row = s.get(orm.Member, member_id)
        assert row is not None, member_id
        return row

    def _plan_row(self, s: Session, demand_id: str) -> orm.Plan:
        plan = s.scalar(sa.select(orm.Plan).where(orm.Plan.demand_id == demand_id))
        if plan is None:
            plan = orm.Plan(
                plan_id=str(uuid.uuid4()),
                demand_id=demand_id,
                revision=0,
                shortages_json="[]",
                left_out_json="[]",
                excluded_json="[]",
                timings_json="{}",
                explanations_json="[]",
            )
            s.add(plan)
            s.flush()
        return plan

    @staticmethod
    def _reservations(s: Session, plan_id: str, states: Sequence[str]) -> list[orm.Reservation]:
        return list(
            s.scalars(
                sa.select(orm.Reservation)
                .where(orm.Reservation.plan_id == plan_id, orm.Reservation.state.in_(states))
                .order_by(orm.Reservation.reservation_id)
            )
        )

    @staticmethod
    def _lines(s: Session, reservation: orm.Reservation) -> list[ReserveLineData]:
        rows = s.scalars(
            sa.select(orm.Allocation)
            .where(orm.Allocation.reservation_id == reservation.reservation_id)
            .order_by(orm.Allocation.allocation_id)
        )
        return [
            ReserveLineData(
                a.line_id,
                a.part_number,
                a.quantity,
                a.unit_of_measure,
                a.source,
                a.due_at_ms,
                a.destination,
            )
            for a in rows
        ]


def _reserve_settlement(rid: str, member: orm.Member, outcome: object) -> Settlement:
    """What a Reserve's outcome makes of the hold (its receipt already checked)."""
    if isinstance(outcome, NodeUnavailable):
        return Settlement(rid, "orphan", str(outcome))
    if isinstance(outcome, NodeCallError):
        return Settlement(rid, "refused", str(outcome))
    if isinstance(outcome, ReservationData):
        if outcome.state not in ("pending", "confirmed"):
            return Settlement(rid, "refused", f"node reports the hold {outcome.state}")
        return Settlement(rid, "reserved", "", outcome, member)
    return Settlement(rid, "orphan", f"unexpected failure: {outcome!r}")
