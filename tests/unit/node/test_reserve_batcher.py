"""Reserve on the aio port: concurrent callers share batches, each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from node.grpc.reserve_port import ReserveBatcher


class RecordingService:
    """The one method the batcher calls, at the boundary: records each batch it gets."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self._running = threading.Lock()
        self._fail_on = fail_on

    def reserve_many(self, commands: Sequence[Any]) -> list[Any]:
        assert self._running.acquire(blocking=False), "two batches ran at once"
        try:
            self.batches.append(list(commands))
            time.sleep(0.002)  # like a disk flush
            if self._fail_on in commands:
                raise RuntimeError("database went away")
            return [c.upper() if not c.startswith("bad") else ValueError(c) for c in commands]
        finally:
            self._running.release()


async def _answer(batcher: ReserveBatcher, command: str) -> object:
    try:
        return await batcher.reserve(command)  # type: ignore[arg-type]
    except (ValueError, RuntimeError) as exc:
        return f"error {exc}"


def test_each_caller_gets_its_own_answer_and_calls_are_batched() -> None:
    service = RecordingService()
    batcher = ReserveBatcher(service, max_batch=16)  # type: ignore[arg-type]
    commands = [f"bad{i}" if i % 7 == 0 else f"r{i}" for i in range(200)]

    async def main() -> list[object]:
        return await asyncio.gather(*(_answer(batcher, c) for c in commands))

    try:
        answers = asyncio.run(main())
    finally:
        batcher.close()
    assert answers == [f"error {c}" if c.startswith("bad") else c.upper() for c in commands]
    sizes = [len(batch) for batch in service.batches]
    assert sum(sizes) == 200 and max(sizes) <= 16 and len(sizes) < 200


def test_a_failing_batch_fails_only_its_callers() -> None:
    service = RecordingService(fail_on="boom")
    batcher = ReserveBatcher(service)  # type: ignore[arg-type]

    async def main() -> tuple[object, object]:
        first = await _answer(batcher, "boom")
        second = await _answer(batcher, "fine")
        return first, second

    try:
        assert asyncio.run(main()) == ("error database went away", "FINE")
    finally:
        batcher.close()


def test_a_caller_that_goes_away_leaves_the_others_answered() -> None:
    service = RecordingService()
    batcher = ReserveBatcher(service)  # type: ignore[arg-type]

    async def main() -> list[object]:
        leaving = asyncio.ensure_future(batcher.reserve("gone"))  # type: ignore[arg-type]
        staying = [asyncio.ensure_future(_answer(batcher, f"r{i}")) for i in range(5)]
        await asyncio.sleep(0)
        leaving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        return list(await asyncio.gather(*staying))

    try:
        assert asyncio.run(main()) == [f"R{i}" for i in range(5)]
    finally:
        batcher.close()
    # Its reservation was already queued and still went through, as on the thread-pool path.
    assert any("gone" in batch for batch in service.batches)
