"""The coordinator's background workers: plan executors, member watchers, heartbeats, the
orphan-hold sweep, webhook delivery, cross-cosigning with the nodes and the periodic offline
verification of its own log. `start` resumes every demand left in flight."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import sqlalchemy as sa
import structlog

from pool.adapters import orm
from pool.domain.demand import TERMINAL
from pool.service.context import Context
from pool.service.cross_cosigning import CrossCosigner
from pool.service.execution import PlanExecutor
from pool.service.log_verification import LogVerifier
from pool.service.nodes import NodeDirectory
from pool.service.watchers import MemberWatcher, heartbeat
from pool.service.webhooks import WebhookDispatcher

log = structlog.get_logger(__name__)

# A full offline verification of the coordinator's log (seconds of CPU for a long log) waits
# this long after a start.
FIRST_VERIFY_AFTER_S = 10.0


class CoordinatorRuntime:
    def __init__(
        self,
        ctx: Context,
        nodes: NodeDirectory,
        executor: PlanExecutor,
        webhooks: WebhookDispatcher,
        cosigner: CrossCosigner | None = None,
        verifier: LogVerifier | None = None,
    ) -> None:
        self.ctx = ctx
        self.nodes = nodes
        self.executor = executor
        self.webhooks = webhooks
        self.cosigner = cosigner or CrossCosigner(ctx, nodes)
        self.verifier = verifier or LogVerifier(ctx)
        self._queue: queue.Queue[str] = queue.Queue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._webhook_wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watchers: dict[str, MemberWatcher] = {}
        self.running = False

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self._stop.clear()
        self.ctx.on_demand_ready = self.enqueue
        self.ctx.on_webhook_queued = self._webhook_wake.set
        self.sync_watchers()
        for i in range(self.ctx.settings.planning_workers):
            self._spawn(self._plan_worker, f"plan-{i}")
        self._spawn(self._maintenance, "maintenance")
        self._spawn(self._webhook_worker, "webhooks")
        settings = self.ctx.settings
        # The rounds that may take seconds of CPU wait a little: a coordinator that just started
        # (a restart, a standby taking over) serves the demands waiting for it first.
        self._spawn(
            self._every(settings.witness_interval_s, self.cosigner.tick, first_after_s=1.0),
            "cosigning",
        )
        self._spawn(
            self._every(
                settings.audit_verify_interval_s,
                self.verifier.verify,
                first_after_s=min(FIRST_VERIFY_AFTER_S, settings.audit_verify_interval_s),
            ),
            "verify",
        )
        with self.ctx.sessions() as s:
            in_flight = s.scalars(
                sa.select(orm.Demand.demand_id)
                .where(orm.Demand.status.notin_([x.value for x in TERMINAL]))
                .order_by(orm.Demand.created_at_ms)
            ).all()
        for demand_id in in_flight:
            self.enqueue(demand_id)
        log.info("runtime_started", resumed=len(in_flight))

    def stop(self) -> None:
        for watcher in self._watchers.values():
            watcher.stop()
        self._watchers.clear()
        if not self.running:
            return
        self._stop.set()
        self._webhook_wake.set()
        self.ctx.on_demand_ready = lambda demand_id: None
        for _ in self._threads:
            self._queue.put("")
        for watcher in self._watchers.values():
            watcher.stop()
        self._watchers.clear()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        self.running = False
        log.info("runtime_stopped")

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    # --- plan execution -----------------------------------------------------------------

    def enqueue(self, demand_id: str) -> None:
        with self._lock:
            if demand_id in self._queued:
                return
            self._queued.add(demand_id)
        self._queue.put(demand_id)

    def _plan_worker(self) -> None:
        while not self._stop.is_set():
            demand_id = self._queue.get()
            if not demand_id or self._stop.is_set():
                continue
            try:
                self._advance(demand_id)
            finally:
                with self._lock:
                    self._queued.discard(demand_id)

    def _advance(self, demand_id: str) -> None:
        # Stop between steps: what is committed is the state a restart resumes from.
        while not self._stop.is_set():
            try:
                status = self.executor.step(demand_id)
            except Exception:  # noqa: BLE001 - retried by the maintenance sweep
                log.exception("plan_step_failed", demand_id=demand_id)
                return
            if status in TERMINAL:
                return

    # --- watchers, heartbeats, orphans --------------------------------------------------

    def sync_watchers(self) -> None:
        with self.ctx.sessions() as s:
            active = set(
                s.scalars(sa.select(orm.Member.member_id).where(orm.Member.active.is_(True)))
            )
        for member_id in set(self._watchers) - active:
            self._watchers.pop(member_id).stop()
        for member_id in active - set(self._watchers):
            watcher = MemberWatcher(self.ctx, self.nodes, member_id)
            self._watchers[member_id] = watcher
            watcher.start()

    def _maintenance(self) -> None:
        interval = self.ctx.settings.heartbeat_interval_s
        while not self._stop.wait(interval):
            try:
                self.sync_watchers()
                for member_id in list(self._watchers):
                    heartbeat(self.ctx, self.nodes, member_id)
                for rid in self.executor.holds.orphan_ids():
                    self.executor.holds.release_orphan(rid)
                for rid in self.executor.holds.in_doubt_ids():
                    self.executor.resolve_in_doubt(rid)
                self._resume_stuck()
            except Exception:  # noqa: BLE001 - the next tick tries again
                log.exception("maintenance_failed")

    def _resume_stuck(self) -> None:
        with self.ctx.sessions() as s:
            ids = s.scalars(
                sa.select(orm.Demand.demand_id).where(
                    orm.Demand.status.notin_([x.value for x in TERMINAL])
                )
            ).all()
        for demand_id in ids:
            self.enqueue(demand_id)

    def _every(
        self, interval_s: float, work: Callable[[], object], first_after_s: float = 0.0
    ) -> Callable[[], None]:
        """A worker loop running `work` after `first_after_s`, then every `interval_s` until
        stopped."""

        def loop() -> None:
            if self._stop.wait(first_after_s):
                return
            self._run_logged(work)
            while not self._stop.wait(interval_s):
                self._run_logged(work)

        return loop

    @staticmethod
    def _run_logged(work: Callable[[], object]) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the next round tries again
            log.exception("background_work_failed", work=getattr(work, "__qualname__", ""))

    def _webhook_worker(self) -> None:
        interval = self.ctx.settings.webhook_poll_interval_s
        while not self._stop.is_set():
            self._webhook_wake.wait(interval)
            self._webhook_wake.clear()
            if self._stop.is_set():
                return
            try:
                self.webhooks.deliver_pending()
            except Exception:  # noqa: BLE001 - delivered at the next wake-up
                log.exception("webhook_dispatch_failed")
