"""The multi-process verification path gives the same verdicts as the single-process one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import audit.verify
from audit.ed25519 import Signer
from audit.statements import Statement
from audit.verify import VerificationError, verify_export

from .conftest import export, open_log


def test_pool_verifies_and_names_the_bad_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = open_log(f"sqlite:///{tmp_path / 'log.db'}", Signer.generate())
    log.append_own_many(
        [Statement("acme", "demand", 1_764_000_000_000 + i, (), {"i": i}) for i in range(300)]
    )
    log.checkpoint()
    path = export(log, tmp_path / "log.jsonl")
    log.close()
    monkeypatch.setattr(audit.verify, "PARALLEL_FROM_BYTES", 0)
    single = verify_export(path, workers=1)
    pooled = verify_export(path, workers=2)
    assert replace(pooled, cpu_s=0) == replace(single, cpu_s=0) and pooled.tree_size == 300

    data = path.read_bytes()
    tampered = data.replace(b'"payload":{"i":271}', b'"payload":{"i":272}')
    assert tampered != data
    path.write_bytes(tampered)
    with pytest.raises(VerificationError, match=r"^entry 271: signature of member 'acme'"):
        verify_export(path, workers=2)
