"""WatchPoolShares: snapshot, then every change in sequence order; resumable; cheap to fan out."""

from __future__ import annotations

import queue
import threading
import time

import grpc
import pytest
from alliance.v1 import node_pb2 as pb

from node.service.factory import open_node

from .conftest import Node


class Watcher:
    """Collects a watch's events on a thread, with their arrival time."""

    def __init__(self, node: Node, **request: object) -> None:
        self.events: queue.Queue[tuple[float, pb.WatchPoolSharesResponse]] = queue.Queue()
        self.ended: grpc.StatusCode | None = None
        self.details = ""
        self.call = node.node.WatchPoolShares(pb.WatchPoolSharesRequest(**request))
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        try:
            for event in self.call:
                self.events.put((time.perf_counter(), event))
        except grpc.RpcError as err:
            self.ended, self.details = err.code(), err.details() or ""

    def next(self, timeout_s: float = 5) -> pb.WatchPoolSharesResponse:
        return self.events.get(timeout=timeout_s)[1]

    def timed(self, timeout_s: float = 5) -> tuple[float, pb.WatchPoolSharesResponse]:
        return self.events.get(timeout=timeout_s)

    def assert_quiet(self, for_s: float = 0.3) -> None:
        with pytest.raises(queue.Empty):
            self.events.get(timeout=for_s)


def wait_until(condition: object, timeout_s: float = 3) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)
    assert condition(), "condition not met in time"  # type: ignore[operator]


def test_snapshot_then_each_change_within_100_ms(node: Node) -> None:
    node.add_part("BRK-100", on_hand=10, safety_stock=1000)  # pool share capped by stock: 10
    node.add_part("OTHER-1", on_hand=10, safety_stock=1000)
    watcher = Watcher(node, part_numbers=["BRK-100"])

    snapshot = watcher.next()
    assert snapshot.WhichOneof("event") == "snapshot"
    assert [s.part_number for s in snapshot.snapshot.pool_shares] == ["BRK-100"]
    assert snapshot.snapshot.pool_shares[0].contributed_quantity == 10
    assert snapshot.sequence == node.service.last_sequence()

    sequences = [snapshot.sequence]
    for i in range(1, 4):
        node.receive("OTHER-1", 1)  # another part: not for this watcher
        node.receive("BRK-100", 5)
        committed = time.perf_counter()
        arrived, event = watcher.timed()
        assert event.WhichOneof("event") == "change"
        assert event.change.part_number == "BRK-100"
        assert event.change.contributed_quantity == 10 + 5 * i
        assert event.event_at.ToMilliseconds() == node.clock.now_ms()
        assert (arrived - committed) < 0.1
        sequences.append(event.sequence)
    assert sequences == sorted(set(sequences))
    watcher.assert_quiet(0.1)
    watcher.call.cancel()


def test_changes_committed_by_another_process_reach_watchers(node: Node) -> None:
    node.add_part("BRG-200", on_hand=5, safety_stock=1000)
    watcher = Watcher(node, part_numbers=["BRG-200"])
    watcher.next()  # snapshot

    # A second service on the same database stands in for the CLI: no in-process wakeup.
    other = open_node(node.database_url, clock=node.clock, audit_key_path=node.key_path)
    try:
        other.set_safety_stock("BRG-200", 10)  # 30 % of 10 = 3 < stock 5
        committed = time.perf_counter()
        arrived, event = watcher.timed()
    finally:
        close = getattr(other, "close", None)
        if callable(close):
            close()
    assert event.change.safety_stock_quantity == 10 and event.change.contributed_quantity == 3
    assert arrived - committed < 0.1
    watcher.call.cancel()


def test_an_idle_feed_reads_no_events_until_something_commits(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The feed polls every 20 ms on each node; a full events query per tick kept twelve idle
    # nodes busy. Between commits only the one-row outbox counter may be read.
    node.add_part("BRG-210", on_hand=5, safety_stock=1000)
    watcher = Watcher(node, part_numbers=["BRG-210"])
    watcher.next()  # snapshot
    time.sleep(0.2)  # the feed's catch-up poll after subscribing (it ticks every 20 ms)
    reads: list[int] = []
    read_events = node.service.pool_share_events_after
    monkeypatch.setattr(
        node.service,
        "pool_share_events_after",
        lambda *args, **kwargs: reads.append(1) or read_events(*args, **kwargs),
    )
    time.sleep(0.3)  # about 15 ticks of the feed
    assert reads == []

    other = open_node(node.database_url, clock=node.clock, audit_key_path=node.key_path)
    try:
        other.set_safety_stock("BRG-210", 10)  # committed elsewhere: only the counter tells
        assert watcher.next().change.safety_stock_quantity == 10
    finally:
        close = getattr(other, "close", None)
        if callable(close):
            close()
    assert reads
    watcher.call.cancel()


def test_resume_sends_no_snapshot_and_exactly_the_changes_after_the_sequence(node: Node) -> None:
    node.add_part("BRG-200", on_hand=5, safety_stock=1000)
    start = node.node.GetPoolShares(pb.GetPoolSharesRequest(part_numbers=["BRG-200"])).sequence
    for _ in range(3):  # missed while no watcher was connected
        node.receive("BRG-200", 2)

    watcher = Watcher(node, part_numbers=["BRG-200"], resume_after_sequence=start)
    missed = [watcher.next() for _ in range(3)]
    assert all(e.WhichOneof("event") == "change" for e in missed)
    assert [e.change.contributed_quantity for e in missed] == [7, 9, 11]
    sequences = [e.sequence for e in missed]
    assert sequences == sorted(set(sequences)) and sequences[0] > start
    node.receive("BRG-200", 1)  # live changes follow the missed ones
    live = watcher.next()
    assert live.change.contributed_quantity == 12
    watcher.call.cancel()

    again = Watcher(node, part_numbers=["BRG-200"], resume_after_sequence=sequences[1])
    assert [again.next().sequence for _ in range(2)] == [sequences[2], live.sequence]
    again.assert_quiet()
    again.call.cancel()

    future = Watcher(node, resume_after_sequence=node.service.last_sequence() + 100)
    wait_until(lambda: future.ended is not None)
    assert future.ended == grpc.StatusCode.OUT_OF_RANGE and "beyond" in future.details


def test_many_watchers_share_one_poller_and_cancelled_ones_are_dropped(node: Node) -> None:
    node.add_part("ECU-300", on_hand=5, safety_stock=1000)
    watchers = [Watcher(node, part_numbers=["ECU-300"]) for _ in range(20)]
    for w in watchers:
        w.next()  # snapshot
    pollers = [t for t in threading.enumerate() if t.name == "pool-share-feed"]
    assert len(pollers) == 1
    assert node.server.feed.watcher_count == 20

    node.receive("ECU-300", 1)
    assert {w.next().change.contributed_quantity for w in watchers} == {6}

    for w in watchers[:15]:
        w.call.cancel()
    wait_until(lambda: node.server.feed.watcher_count == 5)
    node.receive("ECU-300", 1)
    assert {w.next().change.contributed_quantity for w in watchers[15:]} == {7}
    for w in watchers[15:]:
        w.call.cancel()
    wait_until(lambda: node.server.feed.watcher_count == 0)


def test_shutdown_ends_open_watches_with_unavailable_and_where_to_resume(node: Node) -> None:
    node.add_part("HOS-500", on_hand=5, safety_stock=1000)
    watcher = Watcher(node)
    snapshot = watcher.next()
    node.server.stop(grace_s=1)
    wait_until(lambda: watcher.ended is not None)
    assert watcher.ended == grpc.StatusCode.UNAVAILABLE
    assert f"resume_after_sequence={snapshot.sequence}" in watcher.details
