"""Pool-share change feed for `WatchPoolShares`: one poller per process, fanned out to watchers.

The outbox in the database is the source of truth; this module only moves its pool-share
events to the open streams. One background thread reads new events (woken at once by
`notify_committed()` after a use case of this process commits, and every `poll_interval_s`
for changes committed by other processes, e.g. the CLI on the same database) and hands each
event to every subscription that wants its part. Watchers never query the database
themselves, except once to catch up when resuming from an older sequence. The interval bounds
how late another process's commit is seen (within the 100 ms a watcher is promised); this
process's own commits never wait for it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

import structlog

from node.service import api

log = structlog.get_logger(__name__)

PAGE_SIZE = 1000


class Subscription:
    """One watcher's queue of pool-share events newer than `start_sequence`."""

    def __init__(self, part_numbers: Sequence[str], start_sequence: int, max_backlog: int):
        self.part_numbers = frozenset(part_numbers)
        self.start_sequence = start_sequence
        self._max_backlog = max_backlog
        self._events: deque[api.PoolShareEvent] = deque()
        self._ready = threading.Condition()
        self.cancelled = False
        self.overflowed = False

    def wants(self, event: api.PoolShareEvent) -> bool:
        return not self.part_numbers or event.pool_share.part_number in self.part_numbers

    def offer(self, events: Iterable[api.PoolShareEvent]) -> None:
        with self._ready:
            self._events.extend(e for e in events if self.wants(e))
            if len(self._events) > self._max_backlog:
                # A watcher that cannot keep up is cut off rather than growing without bound;
                # it resumes from the last sequence it received.
                self.overflowed = True
                self._events.clear()
            self._ready.notify_all()

    def cancel(self) -> None:
        with self._ready:
            self.cancelled = True
            self._ready.notify_all()

    def take(self, timeout_s: float) -> list[api.PoolShareEvent]:
        """Every queued event, waiting up to `timeout_s` for one; [] when cancelled."""
        with self._ready:
            if not self._events and not self.cancelled and not self.overflowed:
                self._ready.wait(timeout_s)
            if self.cancelled or self.overflowed:
                return []
            events = list(self._events)
            self._events.clear()
            return events


class PoolShareFeed:
    """Polls the outbox for pool-share events while anyone watches, and fans them out."""

    RETRY_PAUSE_S = 1.0  # after a failed poll, so a database outage is not logged 50 times/s

    def __init__(
        self,
        service: api.NodeService,
        *,
        poll_interval_s: float = 0.1,
        max_backlog: int = 10_000,
    ) -> None:
        self._service = service
        self._poll_interval_s = poll_interval_s
        self._max_backlog = max_backlog
        self._lock = threading.Lock()  # guards _subscriptions and _last_sequence together
        self._subscriptions: set[Subscription] = set()
        self._last_sequence = 0
        self._probed = -1  # the outbox counter when the last full poll started
        self._wake = threading.Condition()
        self._woken = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def notify_committed(self) -> None:
        """A use case of this process committed: look for new events now, not at the next tick."""
        with self._wake:
            self._woken = True
            self._wake.notify()

    def subscribe(self, part_numbers: Sequence[str] = ()) -> Subscription:
        """A subscription receiving every event after its `start_sequence`."""
        with self._lock:
            if not self._subscriptions:
                # Nobody was watching, so the poller's position is stale: restart from now.
                self._last_sequence = self._service.last_sequence()
            sub = Subscription(part_numbers, self._last_sequence, self._max_backlog)
            if self._closed:
                sub.cancel()  # shutting down: the watcher is told where to resume elsewhere
                return sub
            self._subscriptions.add(sub)
        self._ensure_poller()
        self.notify_committed()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.cancel()
        with self._lock:
            self._subscriptions.discard(sub)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def watcher_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def close(self) -> None:
        with self._lock:
            subs = list(self._subscriptions)
            self._subscriptions.clear()
        for sub in subs:
            sub.cancel()
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _ensure_poller(self) -> None:
        with self._wake:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="pool-share-feed", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._woken and not self._closed:
                    self._wake.wait(self._poll_interval_s)
                if self._closed:
                    return
                self._woken = False
            if self.watcher_count:
                try:
                    self._poll_once()
                except Exception:  # noqa: BLE001 - keep feeding; retry after a pause
                    log.exception("pool_share_feed_poll_failed")
                    with self._wake:
                        self._wake.wait(self.RETRY_PAUSE_S)

    def _poll_once(self) -> None:
        # Cheap probe first: the outbox counter moves with every commit, from any process.
        # Sequences follow commit order, so an unchanged counter means nothing new to read.
        counter = self._service.last_sequence()
        if counter == self._probed:
            return
        with self._lock:
            after = self._last_sequence
        while True:
            events = self._service.pool_share_events_after(after, (), PAGE_SIZE)
            if not events:
                break
            with self._lock:
                # subscribe() may have moved the position meanwhile; never deliver twice.
                fresh = [e for e in events if e.sequence > self._last_sequence]
                if fresh:
                    self._last_sequence = fresh[-1].sequence
                for sub in self._subscriptions:
                    sub.offer(fresh)
            after = events[-1].sequence
            if len(events) < PAGE_SIZE:
                break
        self._probed = counter


def changes_after(
    service: api.NodeService,
    sub: Subscription,
    after_sequence: int,
    part_numbers: Sequence[str],
    wait_s: float = 0.5,
) -> Iterator[api.PoolShareEvent | None]:
    """Every event of `part_numbers` with a sequence above `after_sequence`, in order, forever.

    First catches up from the database up to the subscription's start, then follows the
    subscription. Yields None every `wait_s` without news so the caller can check its stream
    is still open; returns when the subscription is cancelled.
    """
    cursor = after_sequence
    while cursor < sub.start_sequence:
        page = service.pool_share_events_after(cursor, part_numbers, PAGE_SIZE)
        caught_up = [e for e in page if e.sequence <= sub.start_sequence]
        yield from caught_up
        if caught_up:
            cursor = caught_up[-1].sequence
        if len(caught_up) < PAGE_SIZE:
            break
    while not sub.cancelled:
        events = sub.take(wait_s)
        if sub.overflowed:
            raise WatcherFellBehind(cursor)
        news = [e for e in events if e.sequence > cursor]
        yield from news
        if news:
            cursor = news[-1].sequence
        else:
            yield None


class WatcherFellBehind(Exception):
    def __init__(self, last_sent_sequence: int) -> None:
        super().__init__(
            f"watcher fell too far behind the node's pool-share changes; "
            f"resume with resume_after_sequence={last_sent_sequence}"
        )
        self.last_sent_sequence = last_sent_sequence
