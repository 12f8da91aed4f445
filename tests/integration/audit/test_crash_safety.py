"""A process appending to the log is SIGKILLed at random moments; after restart the log
verifies and every entry it acknowledged is there, at the index it was acknowledged with."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from audit.keys import generate_keypair
from audit.log import AuditLog
from audit.verify import verify_export

from .conftest import ORIGIN, export

REPO = Path(__file__).resolve().parents[3]


def _run_and_kill(url: str, key: Path, rng: random.Random) -> list[tuple[int, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.audit.crash_appender", url, str(key)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the appender is up and appending
    time.sleep(rng.uniform(0.0, 0.4))
    process.send_signal(signal.SIGKILL)
    rest = process.stdout.read()
    process.wait()
    assert process.returncode == -signal.SIGKILL
    acknowledged = []
    for line in (first + rest).split(b"\n"):
        parts = line.split()
        if len(parts) == 2:  # a torn last line was never acknowledged
            acknowledged.append((int(parts[0]), parts[1].decode()))
    return acknowledged


def test_sigkilled_appender_loses_no_acknowledged_entry(database_url: str, tmp_path: Path) -> None:
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    key = tmp_path / "log.key"
    generate_keypair(key)
    acknowledged: list[tuple[int, str]] = []
    for _ in range(4):
        acknowledged += _run_and_kill(database_url, key, rng)
    assert len(acknowledged) >= 4
    indexes = [index for index, _ in acknowledged]
    assert indexes == sorted(set(indexes)), "an index was acknowledged twice"

    log = AuditLog.open(database_url, ORIGIN, key, "acme")
    log.checkpoint()
    path = export(log, tmp_path / "after-crashes.jsonl")
    report = verify_export(path)
    assert report.tree_size >= indexes[-1] + 1
    with log.engine.connect() as conn:
        stored = [entry.leaf_hash.hex() for entry in log.store.entries(conn)]
    for index, entry_hash in acknowledged:
        assert stored[index] == entry_hash
    log.close()
