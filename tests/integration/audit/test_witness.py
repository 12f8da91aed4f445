"""Witnesses cosign a log's growth, and refuse forks, rollbacks and unsigned checkpoints,
remembering what they cosigned across restarts (state in their own database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.checkpoints import is_cosignature_by, verify_cosignature
from audit.ed25519 import Signer
from audit.note import parse_note
from audit.schema import audit_witness_state, metadata
from audit.witness import CosignRefused, Witness

from .conftest import fill, open_log


@pytest.fixture
def witness_engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'witness.db'}")
    metadata.create_all(engine)
    return engine


def _cosign(engine: sa.Engine, witness: Witness, note: str, key: bytes, proof: list[bytes]) -> str:
    with engine.begin() as conn:
        return witness.cosign(conn, note, key, proof, now_s=1_764_000_000)


def test_cosigns_growth_and_refuses_a_fork(tmp_path: Path, witness_engine: sa.Engine) -> None:
    signer = Signer.generate()
    honest = open_log(f"sqlite:///{tmp_path / 'a.db'}", signer)
    fork = open_log(f"sqlite:///{tmp_path / 'b.db'}", signer)  # same origin, same key
    witness = Witness("w.example/witness", Signer.generate())
    key = signer.public_key

    fill(honest, 5)
    first = _cosign(witness_engine, witness, honest.checkpoint(), key, [])
    line = parse_note(first).signatures[-1]
    assert is_cosignature_by(line, witness.name, witness.signer.public_key)
    assert (
        verify_cosignature(parse_note(first).text, line, witness.signer.public_key) == 1_764_000_000
    )

    fill(honest, 4, start=5)
    grown = honest.checkpoint()
    _cosign(witness_engine, witness, grown, key, honest.consistency_proof(5, 9))

    fill(fork, 12, start=100)  # a different history under the same log identity
    forked = fork.checkpoint()
    restarted = Witness(witness.name, witness.signer)  # state comes from the database
    with pytest.raises(CosignRefused, match="not consistent"):
        _cosign(witness_engine, restarted, forked, key, fork.consistency_proof(9, 12))
    with pytest.raises(CosignRefused, match="older"):
        _cosign(witness_engine, restarted, honest.checkpoint_at(5), key, [])
    with pytest.raises(CosignRefused, match="signature"):
        _cosign(witness_engine, restarted, grown, Signer.generate().public_key, [])
    with witness_engine.connect() as conn:
        assert conn.execute(sa.select(audit_witness_state.c.tree_size)).scalar_one() == 9
    honest.close()
    fork.close()
