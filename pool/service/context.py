"""What every use case shares: sessions, clock, settings, the audit trail, a change signal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from pool.domain.clock import Clock
from pool.service.audit_trail import AuditTrail
from pool.settings import PoolSettings


@dataclass
class Context:
    sessions: sessionmaker[Session]
    clock: Clock
    settings: PoolSettings
    trail: AuditTrail
    # Called after a commit that the background workers should act on.
    on_demand_ready: Callable[[str], None] = lambda demand_id: None
    on_webhook_queued: Callable[[], None] = lambda: None
    changed: threading.Condition = field(default_factory=threading.Condition)
    generation: int = 0  # counts notify_changed calls, so a waiter cannot miss one

    @property
    def staleness_ms(self) -> int:
        return int(self.settings.staleness_s * 1000)

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def notify_changed(self) -> None:
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def wait_changed(self, seen: int, timeout_s: float) -> int:
        """Block until a change after generation `seen` (or the timeout); the generation now."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != seen, timeout_s)
            return self.generation
