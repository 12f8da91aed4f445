"""Group commit for hot use cases: concurrent calls share one transaction and one disk flush.

Every writing transaction ends by locking the outbox counter until its commit is durable, so
transactions are serialized by the flush time (about 3 ms on a disk). Running the calls that
arrive meanwhile as one batch spreads that cost over all of them. Leader/follower: the first
caller runs a batch; when it is done it hands the lead to the oldest waiting caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Slot(Generic[Item, Result]):
    item: Item
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: Result | None = None
    error: BaseException | None = None


class Batcher(Generic[Item, Result]):
    """Runs `run_batch(items)` -> one result (or exception) per item, one batch at a time."""

    def __init__(
        self,
        run_batch: Callable[[Sequence[Item]], Sequence[Result | BaseException]],
        max_batch: int = 64,
    ) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot[Item, Result]] = []
        self._leading = False

    def submit(self, item: Item) -> Result:
        slot: _Slot[Item, Result] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            if not self._leading:
                self._leading = slot.lead = True
        if not slot.lead:
            slot.done.wait()
        if slot.lead:
            self._lead()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        try:
            results = self._run_batch([slot.item for slot in batch])
        except BaseException as exc:  # noqa: BLE001 - delivered to every caller of the batch
            results = [exc] * len(batch)
        for slot, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                slot.error = result
            else:
                slot.result = result
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
            else:
                successor = None
                self._leading = False
        for slot in batch:
            slot.lead = False
            slot.done.set()
        if successor is not None:
            successor.done.set()
