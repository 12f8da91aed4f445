"""Two holds settled at once on one node carry the same checkpoint: both are kept."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from audit.checkpoints import Checkpoint, sign_checkpoint
from audit.ed25519 import Signer
from pool.adapters import orm
from pool.adapters.node_client import ReceiptData

ORIGIN = "alliance.v1/node/S01"


def _receipt(leaf_index: int, note: str) -> ReceiptData:
    return ReceiptData(bytes([leaf_index]) * 32, leaf_index, note, b"\x01" * 64)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_receipts_of_one_checkpoint_are_both_kept(open_pool) -> None:
    pool = open_pool()
    note = sign_checkpoint(Checkpoint(ORIGIN, 12, b"\x02" * 32), ORIGIN, Signer.generate())
    trail, sessions = pool.ctx.trail, pool.ctx.sessions
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with sessions.begin() as s:
                trail.keep_receipt(s, "S01", "r-2", _receipt(11, note), 2)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    with sessions.begin() as s:
        trail.keep_receipt(s, "S01", "r-1", _receipt(10, note), 1)
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # the second insert waits on our uncommitted row
    racer.join(timeout=10)
    assert not failures, failures
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(orm.NodeCheckpoint)) == 1
        kept = s.scalars(sa.select(orm.ReceiptProof.reservation_id)).all()
        assert sorted(kept) == ["r-1", "r-2"]
