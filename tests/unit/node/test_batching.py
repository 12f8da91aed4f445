"""Group commit: concurrent callers share batches and each gets exactly its own answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from node.service.batching import Batcher


def test_each_caller_gets_its_own_result_and_calls_are_batched() -> None:
    batches: list[int] = []
    running = threading.Lock()

    def run(items: Sequence[int]) -> list[int | BaseException]:
        assert running.acquire(blocking=False), "two batches ran at once"
        try:
            batches.append(len(items))
            time.sleep(0.002)  # like a disk flush
            return [item * 10 if item % 7 else ValueError(f"bad {item}") for item in items]
        finally:
            running.release()

    batcher: Batcher[int, int] = Batcher(run, max_batch=16)

    def call(item: int) -> object:
        try:
            return batcher.submit(item)
        except ValueError as exc:
            return str(exc)

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(call, range(1, 401)))
    assert results == [i * 10 if i % 7 else f"bad {i}" for i in range(1, 401)]
    assert sum(batches) == 400 and max(batches) <= 16 and len(batches) < 400


def test_a_failing_batch_fails_only_its_callers() -> None:
    def run(items: Sequence[str]) -> list[str | BaseException]:
        if "boom" in items:
            raise RuntimeError("database went away")
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(run)
    with pytest.raises(RuntimeError, match="went away"):
        batcher.submit("boom")
    assert batcher.submit("fine") == "FINE"
