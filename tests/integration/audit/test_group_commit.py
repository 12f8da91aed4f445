"""Concurrent appenders through group commit: every acknowledged entry is committed, once,
at the index it was acknowledged with, and the log verifies."""

from __future__ import annotations

import threading
from pathlib import Path

from audit.ed25519 import Signer
from audit.group_commit import GroupCommitLog
from audit.store import Receipt
from audit.verify import verify_export

from .conftest import export, open_log


def test_group_commit_acknowledges_each_entry_after_its_commit(
    database_url: str, tmp_path: Path
) -> None:
    log = open_log(database_url, Signer.generate(), checkpoint_every=50)
    grouped = GroupCommitLog(log, max_group=64)
    receipts: list[Receipt] = []

    def appender(worker: int) -> None:
        for i in range(40):
            receipts.append(grouped.append("quote", {"worker": worker, "i": i}, ["quantity"]))

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grouped.close()
    assert sorted(r.leaf_index for r in receipts) == list(range(240))
    assert sum(1 for r in receipts if r.checkpoint) >= 1
    with log.engine.connect() as conn:
        stored = [entry.leaf_hash for entry in log.store.entries(conn)]
    assert all(stored[r.leaf_index] == r.entry_hash for r in receipts)
    log.checkpoint()
    assert verify_export(export(log, tmp_path / "log.jsonl")).tree_size == 240
    log.close()
