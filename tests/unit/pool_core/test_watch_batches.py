"""The live view applies what a node has already sent in one transaction, in order."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from pool.service.watchers import in_batches


def test_items_already_there_come_together_and_in_order() -> None:
    released, all_sent = threading.Event(), threading.Event()

    def items() -> Iterator[int]:
        yield 1
        released.wait(5)  # the rest arrives only after the first batch was taken
        yield from range(2, 8)
        all_sent.set()  # runs once the reader has queued 7

    batches = in_batches(items(), max_batch=4, name="t")
    assert next(batches) == [1]
    released.set()
    assert all_sent.wait(5)
    assert list(batches) == [[2, 3, 4, 5], [6, 7]]


def test_an_error_comes_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("node went away")

    seen: list[int] = []
    with pytest.raises(ConnectionError, match="went away"):
        for batch in in_batches(items(), max_batch=10, name="t"):
            seen.extend(batch)
    assert seen == [1, 2]
