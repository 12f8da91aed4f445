"""Every proof the SQL log produces verifies against the checkpoints it signed, for a log of
more than 10,000 entries with checkpoints at random sizes (hypothesis picks the questions)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.checkpoints import Checkpoint, open_checkpoint
from audit.ed25519 import Signer
from audit.log import AuditLog
from audit.proofs import verify_consistency, verify_inclusion
from audit.statements import Statement

from .conftest import ORIGIN, open_log

SIZE = 10_500


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditLog, list[Checkpoint]]:
    path: Path = tmp_path_factory.mktemp("big") / "log.db"
    log = open_log(f"sqlite:///{path}", Signer.generate(), checkpoint_every=10**9)
    rng = random.Random(9162)
    checkpoints = []
    appended = 0
    while appended < SIZE:
        batch = min(rng.choice([1, 2, 3, 7, 64, 500, 1024, 2047]), SIZE - appended)
        log.append_own_many(
            [
                Statement("acme", "plan", 1_764_000_000_000 + i, ("plan_id",), {"plan_id": i})
                for i in range(appended, appended + batch)
            ]
        )
        appended += batch
        note = log.checkpoint()
        checkpoints.append(open_checkpoint(note, ORIGIN, log.store.signer.public_key)[0])
    return log, checkpoints


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_log_proofs_verify_against_signed_checkpoints(
    big_log: tuple[AuditLog, list[Checkpoint]], data: st.DataObject
) -> None:
    log, checkpoints = big_log
    new = data.draw(st.sampled_from(checkpoints))
    old = data.draw(st.sampled_from([c for c in checkpoints if c.size <= new.size]))
    index = data.draw(st.integers(0, new.size - 1))
    with log.engine.connect() as conn:
        (entry,) = log.store.entries(conn, index, index + 1)
    verify_inclusion(
        entry.leaf_hash, index, new.size, log.inclusion_proof(index, new.size), new.root_hash
    )
    proof = log.consistency_proof(old.size, new.size)
    verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)


def test_the_log_is_big_and_often_checkpointed(
    big_log: tuple[AuditLog, list[Checkpoint]],
) -> None:
    log, checkpoints = big_log
    assert log.size() == SIZE >= 10_000
    assert len(checkpoints) > 15 and checkpoints[-1].size == SIZE
