"""Helpers for audit log tests: a log on the test database, and an exported, cosigned file."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from audit.ed25519 import Signer
from audit.export import export_to_file
from audit.log import AuditLog, audit_engine
from audit.schema import metadata
from audit.store import LogStore
from audit.witness import Witness

ORIGIN = "acme.example/audit"


def open_log(url: str, signer: Signer, checkpoint_every: int = 1000) -> AuditLog:
    return AuditLog(audit_engine(url), LogStore(ORIGIN, signer, "acme"), checkpoint_every)


def fill(log: AuditLog, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        log.append(
            "ledger_movement",
            {"movement_id": f"m-{i}", "part_number": "PN-7", "quantity_delta": i % 13 - 6},
            ["movement_id", "part_number", "quantity_delta"],
            at_ms=1_764_000_000_000 + i,
        )


def cosign_latest(log: AuditLog, witness: Witness, witness_url: str, previous_size: int) -> str:
    """Have `witness` cosign the log's latest checkpoint and store the cosignature."""
    engine = sa.create_engine(witness_url)
    metadata.create_all(engine)
    note = log.checkpoint()
    size = log.size()
    proof = log.consistency_proof(previous_size, size) if previous_size else []
    with engine.begin() as conn:
        cosigned = witness.cosign(conn, note, log.store.signer.public_key, proof)
    engine.dispose()
    return log.add_cosignature(cosigned, witness.name, witness.signer.public_key)


def export(log: AuditLog, path: Path) -> Path:
    with log.engine.connect() as conn:
        export_to_file(conn, log.store, path)
    return path


@pytest.fixture
def log_signer() -> Signer:
    return Signer.generate()
