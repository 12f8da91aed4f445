"""Group commit for a log with many concurrent appenders: each caller still returns only once
its entry is committed, but one transaction (one fsync) carries every entry that arrived
while the previous one was being written."""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

from audit.log import AuditLog
from audit.statements import SignedEntry, Statement, sign_statement
from audit.store import Receipt, now_ms

_STOP = object()


class GroupCommitLog:
    def __init__(self, log: AuditLog, max_group: int = 500) -> None:
        self.log = log
        self.max_group = max_group
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_groups, name="audit-group-commit")
        self._writer.daemon = True
        self._writer.start()

    def append(
        self,
        kind: str,
        payload: Mapping[str, Any],
        elements: Sequence[str] = (),
        at_ms: int | None = None,
    ) -> Receipt:
        """Sign here (in the caller's thread), then wait until the writer committed the entry."""
        store = self.log.store
        statement = Statement(
            store.member_id, kind, now_ms() if at_ms is None else at_ms, tuple(elements), payload
        )
        done: Future[Receipt] = Future()
        self._queue.put((sign_statement(statement, store.signer), done))
        return done.result()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._writer.join()

    def _write_groups(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group: list[tuple[SignedEntry, Future[Receipt]]] = [first]
            stop = False
            while len(group) < self.max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                group.append(item)
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[tuple[SignedEntry, Future[Receipt]]]) -> None:
        try:
            with self.log.engine.begin() as conn:
                receipts = self.log.store.append_own_signed(conn, [entry for entry, _ in group])
                checkpoint = self.log.maybe_checkpoint(conn, receipts[-1].leaf_index, len(receipts))
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
            for _, done in group:
                done.set_exception(exc)
            return
        for receipt, (_, done) in zip(receipts, group, strict=True):
            covered = checkpoint and receipt is receipts[-1]
            done.set_result(replace(receipt, checkpoint=checkpoint) if covered else receipt)
