"""The live pool view: one watcher per member consuming WatchPoolShares, resuming from the
last persisted sequence, and a heartbeat that keeps quiet-but-alive nodes fresh."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import TypeVar

import grpc
import sqlalchemy as sa
import structlog
from tenacity import Retrying, retry_if_exception_type, wait_exponential

from pool.adapters import orm
from pool.adapters.node_client import NodeCallError, NodeRefused, ShareData, WatchEvent
from pool.service.context import Context
from pool.service.nodes import NodeDirectory

log = structlog.get_logger(__name__)
T = TypeVar("T")
MAX_BATCH = 500  # events applied in one transaction


class _Stopped(Exception):
    pass


class MemberWatcher:
    def __init__(self, ctx: Context, nodes: NodeDirectory, member_id: str) -> None:
        self.ctx = ctx
        self.nodes = nodes
        self.member_id = member_id
        self._stop = threading.Event()
        self._call: grpc.Call | None = None
        self._thread = threading.Thread(target=self._run, name=f"watch-{member_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._call is not None:
            self._call.cancel()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        retrying = Retrying(
            retry=retry_if_exception_type(NodeCallError),
            wait=wait_exponential(multiplier=0.1, max=2.0),
            sleep=self._sleep,
        )
        try:
            retrying(self._watch_once)
        except _Stopped:
            pass
        except Exception:  # noqa: BLE001 - a watcher must never die silently
            log.exception("watcher_failed", member_id=self.member_id)

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped

    def _watch_once(self) -> None:
        if self._stop.is_set():
            raise _Stopped
        with self.ctx.sessions() as s:
            member = s.get(orm.Member, self.member_id)
            if member is None or not member.active:
                raise _Stopped
            resume = member.last_sequence or None
            client = self.nodes.client(member)
        events, self._call = client.watch(resume)
        try:
            for batch in in_batches(events, MAX_BATCH, name=f"watch-read-{self.member_id}"):
                self._apply(batch)
                if self._stop.is_set():
                    raise _Stopped
        except NodeRefused as exc:
            if exc.code == grpc.StatusCode.OUT_OF_RANGE:
                # The node cannot resume from our sequence: start over from a snapshot.
                self._reset()
            raise NodeCallError(self.member_id, exc.code, str(exc)) from None
        except NodeCallError:
            if self._stop.is_set():
                raise _Stopped from None
            raise
        if self._stop.is_set():
            raise _Stopped
        raise NodeCallError(self.member_id, grpc.StatusCode.UNAVAILABLE, "watch ended")

    def _reset(self) -> None:
        with self.ctx.sessions.begin() as s:
            member = s.get(orm.Member, self.member_id)
            if member is not None:
                member.last_sequence = 0

    def _apply(self, events: Sequence[WatchEvent]) -> None:
        """Apply the events that arrived together in one transaction (one commit, not one per
        event: a busy node sends hundreds a second); each part's latest share wins."""
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            member = s.get(orm.Member, self.member_id)
            if member is None:
                return
            member.last_event_at_ms = now
            latest: dict[str, ShareData] = {}
            snapshot: set[str] | None = None  # the parts a snapshot in this batch listed
            for event in events:
                if event.snapshot is None and event.sequence <= member.last_sequence:
                    continue  # already applied before a reconnect
                if event.snapshot is not None:
                    latest = {share.part_number: share for share in event.snapshot}
                    snapshot = set(latest)
                elif event.change is not None:
                    latest[event.change.part_number] = event.change
                    if snapshot is not None:
                        snapshot.add(event.change.part_number)
                member.last_sequence = max(member.last_sequence, event.sequence)
            _upsert_all(s, self.member_id, list(latest.values()), now)
            if snapshot is not None:
                _drop_unlisted(s, self.member_id, snapshot, now)
        self.ctx.notify_changed()


_END = object()


def in_batches(items: Iterator[T], max_batch: int, name: str) -> Iterator[list[T]]:
    """What a blocking iterator has delivered so far, as lists: waits for the first item, then
    takes whatever else is already there (up to `max_batch`). A reader thread pulls `items`;
    its error is raised here after the items that came before it."""
    arrived: queue.SimpleQueue[object] = queue.SimpleQueue()

    def read() -> None:
        try:
            for item in items:
                arrived.put(item)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            arrived.put(exc)
        arrived.put(_END)

    threading.Thread(target=read, name=name, daemon=True).start()
    while True:
        batch: list[T] = []
        item = arrived.get()
        while True:
            if item is _END or isinstance(item, BaseException):
                if batch:
                    yield batch
                if isinstance(item, BaseException):
                    raise item
                return
            batch.append(item)  # type: ignore[arg-type]
            if len(batch) >= max_batch:
                break
            try:
                item = arrived.get_nowait()
            except queue.Empty:
                break
        yield batch


def _upsert_all(s: sa.orm.Session, member_id: str, shares: Sequence[ShareData], now: int) -> None:
    """Store a member's shares in plain statements (the watch path is the coordinator's
    busiest): one read of what the cells hold, one UPDATE per changed cell in a single
    executemany, inserts for new parts; a contribution that moved goes into the history."""
    if not shares:
        return
    cell = orm.Cell.__table__
    rows = s.execute(
        sa.select(cell.c.part_number, cell.c.contributed_quantity).where(
            cell.c.member_id == member_id,
            cell.c.part_number.in_([share.part_number for share in shares]),
        )
    )
    known = {part: contributed for part, contributed in rows}
    updates, inserts, moved = [], [], []
    for share in shares:
        row = {
            "m": member_id,
            "p": share.part_number,
            "unit_of_measure": share.unit_of_measure,
            "contributed_quantity": share.contributed_quantity,
            "reserved_quantity": share.reserved_quantity,
            "free_quantity": share.free_quantity,
            "opted_out": share.opted_out,
            "updated_at_ms": now,
        }
        (updates if share.part_number in known else inserts).append(row)
        if known.get(share.part_number) != share.contributed_quantity:
            moved.append(
                {
                    "member_id": member_id,
                    "part_number": share.part_number,
                    "at_ms": now,
                    "contributed_quantity": share.contributed_quantity,
                }
            )
    if updates:
        s.execute(_UPDATE_CELL, updates)
    if inserts:
        renamed = [
            {"member_id": m, "part_number": p, **rest}
            for m, p, rest in ((r.pop("m"), r.pop("p"), r) for r in inserts)
        ]
        s.execute(sa.insert(cell), renamed)
    if moved:
        s.execute(sa.insert(orm.Contribution.__table__), moved)


_UPDATE_CELL = (
    sa.update(orm.Cell.__table__)
    .where(
        orm.Cell.__table__.c.member_id == sa.bindparam("m"),
        orm.Cell.__table__.c.part_number == sa.bindparam("p"),
    )
    .values(
        {
            name: sa.bindparam(name)
            for name in (
                "unit_of_measure",
                "contributed_quantity",
                "reserved_quantity",
                "free_quantity",
                "opted_out",
                "updated_at_ms",
            )
        }
    )
)


def _drop_unlisted(s: sa.orm.Session, member_id: str, listed: set[str], now: int) -> None:
    """A snapshot is the member's whole pool: parts it no longer lists contribute nothing."""
    gone = s.scalars(
        sa.select(orm.Cell).where(
            orm.Cell.member_id == member_id, orm.Cell.part_number.notin_(listed)
        )
    ).all()
    for cell in gone:
        if cell.contributed_quantity:
            s.add(_contribution(member_id, cell.part_number, 0, now))
        s.delete(cell)


def _contribution(member_id: str, part_number: str, quantity: int, now: int) -> orm.Contribution:
    return orm.Contribution(
        member_id=member_id, part_number=part_number, at_ms=now, contributed_quantity=quantity
    )


def heartbeat(ctx: Context, nodes: NodeDirectory, member_id: str) -> bool:
    """One GetPoolShares: an answer proves the node alive even when its stock does not move.
    A node whose watch delivered within the last interval is alive already: no call."""
    with ctx.sessions() as s:
        member = s.get(orm.Member, member_id)
        if member is None or not member.active:
            return False
        interval_ms = ctx.settings.heartbeat_interval_s * 1000
        if ctx.now_ms() - (member.last_event_at_ms or 0) < interval_ms:
            return True
        client = nodes.client(member)
    try:
        client.pool_shares()
    except NodeCallError:
        return False
    with ctx.sessions.begin() as s:
        member = s.get(orm.Member, member_id)
        if member is not None:
            member.last_event_at_ms = ctx.now_ms()
    return True
