"""The coordinator checks a node's receipt on the reserve/confirm path: the statement's
signature under the member's registered key, the entry hash, the author and the reservation
it is about, and the checkpoint the member signed over the leaf."""

from __future__ import annotations

import dataclasses

import pytest

from audit.checkpoints import Checkpoint, sign_checkpoint
from audit.ed25519 import Signer
from audit.memory_tree import MemoryTree
from audit.proofs import root_at
from audit.statements import Statement, sign_statement
from pool.adapters.node_client import ReceiptData
from pool.service.receipts import ReceiptRejected, check_receipt

ORIGIN = "alliance.v1/node/S01"
RID = "5b0e3a52-0000-4000-8000-000000000001"


def _receipt(node: Signer, *, author: str = "S01", about: str = RID) -> ReceiptData:
    """A receipt as a node builds it: leaf 2 of a 3-entry log, under a checkpoint of size 3."""
    entries = [
        sign_statement(
            Statement(author, "reservation_state", 1_767_225_600_000 + i, (), payload), node
        )
        for i, payload in enumerate(
            [{"aggregate_id": "other"}, {"aggregate_id": "x"}, {"aggregate_id": about}]
        )
    ]
    tree = MemoryTree(e.leaf_hash for e in entries)
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, root_at(tree, 3)), ORIGIN, node)
    entry = entries[2]
    return ReceiptData(entry.leaf_hash, 2, note, entry.signature, entry.statement_bytes)


def _rejected(receipt: ReceiptData, key: bytes, words: str) -> None:
    with pytest.raises(ReceiptRejected, match=words):
        check_receipt(receipt, "S01", key, RID)


def test_a_receipt_the_member_signed_about_this_reservation_is_accepted() -> None:
    node = Signer.generate()
    check_receipt(_receipt(node), "S01", node.public_key, RID)
    without_checkpoint = dataclasses.replace(_receipt(node), checkpoint="")
    check_receipt(without_checkpoint, "S01", node.public_key, RID)  # proven later


def test_a_receipt_signed_with_another_key_than_the_registered_one_is_rejected() -> None:
    node, registered = Signer.generate(), Signer.generate()
    _rejected(_receipt(node), registered.public_key, "statement signature does not verify")


def test_a_receipt_whose_bytes_were_changed_is_rejected() -> None:
    node = Signer.generate()
    good = _receipt(node)
    tampered = good.statement.replace(b'"kind":"reservation_state"', b'"kind":"reservation_statf"')
    _rejected(dataclasses.replace(good, statement=tampered), node.public_key, "entry hash is not")
    flipped = bytes([good.signature[0] ^ 1]) + good.signature[1:]
    _rejected(dataclasses.replace(good, signature=flipped), node.public_key, "entry hash is not")
    _rejected(dataclasses.replace(good, entry_hash=b"\x02" * 32), node.public_key, "entry hash")
    _rejected(dataclasses.replace(good, statement=b""), node.public_key, "no statement bytes")


def test_a_valid_statement_by_someone_else_or_about_another_hold_is_rejected() -> None:
    node = Signer.generate()
    _rejected(_receipt(node, author="S02"), node.public_key, "is by 'S02', not 'S01'")
    _rejected(_receipt(node, about="another-hold"), node.public_key, "not reservation")


def test_a_receipt_checkpoint_that_does_not_cover_the_entry_or_is_forged_is_rejected() -> None:
    node = Signer.generate()
    good = _receipt(node)
    outside = dataclasses.replace(good, leaf_index=3)
    with pytest.raises(ReceiptRejected, match="outside the checkpoint"):
        check_receipt(outside, "S01", node.public_key, RID)
    forged = sign_checkpoint(Checkpoint(ORIGIN, 3, b"\x01" * 32), ORIGIN, Signer.generate())
    _rejected(dataclasses.replace(good, checkpoint=forged), node.public_key, "receipt checkpoint")
