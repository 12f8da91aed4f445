"""The SQL log on SQLite and PostgreSQL: appends inside the caller's transaction, rollback,
concurrent appenders, entries signed by other members, proofs from stored subtrees."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.checkpoints import open_checkpoint
from audit.ed25519 import Signer
from audit.keys import WeakPublicKeyError
from audit.memory_tree import MemoryTree
from audit.proofs import root_at, verify_consistency, verify_inclusion
from audit.statements import Statement, sign_statement
from audit.store import AuditStoreError
from audit.verify import verify_export

from .conftest import ORIGIN, export, fill, open_log

business = sa.MetaData()
stock = sa.Table(
    "stock_change",
    business,
    sa.Column("movement_id", sa.String(40), primary_key=True),
    sa.Column("quantity_delta", sa.Integer, nullable=False),
)


def test_entry_commits_and_rolls_back_with_the_business_change(
    database_url: str, log_signer: Signer
) -> None:
    log = open_log(database_url, log_signer)
    business.create_all(log.engine)
    store = log.store
    with Session(log.engine) as session, session.begin():
        session.execute(sa.insert(stock).values(movement_id="m-1", quantity_delta=-5))
        receipt = store.append(session, "ledger_movement", {"movement_id": "m-1"}, ["movement_id"])
    assert receipt.leaf_index == 0
    with pytest.raises(RuntimeError), log.engine.begin() as conn:
        conn.execute(sa.insert(stock).values(movement_id="m-2", quantity_delta=3))
        store.append(conn, "ledger_movement", {"movement_id": "m-2"}, ["movement_id"])
        raise RuntimeError("the stock change failed after the append")
    with log.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(stock)).scalar_one() == 1
        assert store.size(conn) == 1
    with log.engine.begin() as conn:
        again = store.append_with_checkpoint(conn, "ledger_movement", {"movement_id": "m-3"})
    assert again.leaf_index == 1
    checkpoint, _ = open_checkpoint(again.checkpoint, ORIGIN, log_signer.public_key)
    assert checkpoint.size == 2
    verify_inclusion(again.entry_hash, 1, 2, log.inclusion_proof(1, 2), checkpoint.root_hash)
    log.close()


def test_concurrent_appenders_never_fork_the_log(
    database_url: str, log_signer: Signer, tmp_path: Path
) -> None:
    log = open_log(database_url, log_signer, checkpoint_every=10)
    receipts: list[int] = []
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            for i in range(20):
                receipt = log.append("quote", {"worker": worker, "i": i}, ["quantity"])
                receipts.append(receipt.leaf_index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(receipts) == list(range(80))
    assert log.size() == 80
    log.checkpoint()
    report = verify_export(export(log, tmp_path / "log.jsonl"))
    assert report.tree_size == 80
    log.close()


def test_statements_of_other_members_need_their_registered_key(
    database_url: str, log_signer: Signer
) -> None:
    log = open_log(database_url, log_signer)
    supplier = Signer.generate()
    quote = Statement("bolt-co", "quote", 1_764_000_000_000, ("part_number",), {"part_number": "P"})
    entry = sign_statement(quote, supplier)
    with pytest.raises(AuditStoreError, match="has no key"):
        log.append_signed([entry])
    log.register_member_key("bolt-co", supplier.public_key)
    with pytest.raises(AuditStoreError, match="different key"):
        log.register_member_key("bolt-co", Signer.generate().public_key)
    with pytest.raises(WeakPublicKeyError):
        log.register_member_key("evil", bytes(32))
    forged = sign_statement(quote, Signer.generate())
    with pytest.raises(AuditStoreError, match="does not verify"):
        log.append_signed([forged])
    loose = quote.canonical_bytes().replace(b'"author"', b' "author"')
    with pytest.raises(AuditStoreError, match="canonical"):
        log.append_signed([type(entry)(loose, supplier.sign(loose))])
    assert [r.leaf_index for r in log.append_signed([entry])] == [0]
    assert log.size() == 1
    log.close()


def test_proofs_from_stored_subtrees_on_both_databases(
    database_url: str, log_signer: Signer
) -> None:
    log = open_log(database_url, log_signer)
    fill(log, 45)
    with log.engine.connect() as conn:
        leaves = [e.leaf_hash for e in log.store.entries(conn)]
    tree = MemoryTree(leaves)
    for size in (1, 2, 7, 8, 9, 31, 32, 33, 45):
        assert log.root(size) == root_at(tree, size)
        for index in {0, size // 2, size - 1}:
            verify_inclusion(
                leaves[index], index, size, log.inclusion_proof(index, size), log.root(size)
            )
        for old in {1, size // 3 or 1, size - 1 or 1, size}:
            proof = log.consistency_proof(old, size)
            verify_consistency(old, size, proof, log.root(old), log.root(size))
    with pytest.raises(AuditStoreError):
        log.inclusion_proof(0, 46)
    log.close()
