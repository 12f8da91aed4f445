"""A node's receipt, checked where it arrives (reserve, confirm): without a round trip, what
the member signed and that it is about this hold; its inclusion is proven later."""

from __future__ import annotations

import base64
from typing import Any

from audit.checkpoints import CheckpointError, open_checkpoint
from audit.ed25519 import Verifier
from audit.statements import SignedEntry, StatementError, parse_statement
from pool.adapters.node_client import ReceiptData


class ReceiptRejected(Exception):
    """A node's receipt does not verify against the member's registered audit key."""


def check_receipt(
    receipt: ReceiptData, member_id: str, member_key: bytes, reservation_id: str
) -> None:
    """Raise ReceiptRejected unless the receipt holds a statement about this reservation,
    signed by the member with the key it registered, whose leaf hash is the receipt's entry
    hash, under a checkpoint the member signed that covers the leaf.

    That the leaf really is in the checkpoint takes a proof from the node, one more round
    trip: it is proven later, off the reserve/confirm path (`keep_receipt`)."""
    if not receipt.statement:
        raise ReceiptRejected("receipt carries no statement bytes to check")
    entry = SignedEntry(receipt.statement, receipt.signature)
    if entry.leaf_hash != receipt.entry_hash:
        raise ReceiptRejected("entry hash is not the leaf hash of the statement and signature")
    if not Verifier(member_key).verify(receipt.statement, receipt.signature):
        raise ReceiptRejected(
            f"statement signature does not verify with the audit key {member_id} registered"
        )
    _check_statement(receipt.statement, member_id, reservation_id)
    _check_checkpoint(receipt, member_key)


def _check_statement(raw: bytes, member_id: str, reservation_id: str) -> None:
    try:
        statement = parse_statement(raw)
    except StatementError as exc:
        raise ReceiptRejected(f"receipt statement: {exc}") from None
    if statement.author != member_id:
        raise ReceiptRejected(f"statement is by {statement.author!r}, not {member_id!r}")
    # A node's statement carries its outbox event; a receipt must be about this hold.
    about = statement.payload.get("aggregate_id")
    if about != reservation_id:
        raise ReceiptRejected(f"statement is about {about!r}, not reservation {reservation_id}")


def _check_checkpoint(receipt: ReceiptData, member_key: bytes) -> None:
    if not receipt.checkpoint:
        return  # inclusion is then proven against a checkpoint we witnessed
    origin = receipt.checkpoint.split("\n", 1)[0]
    try:
        checkpoint, _ = open_checkpoint(receipt.checkpoint, origin, member_key)
    except (CheckpointError, ValueError) as exc:
        raise ReceiptRejected(f"receipt checkpoint: {exc}") from None
    if receipt.leaf_index >= checkpoint.size:
        raise ReceiptRejected("receipt entry lies outside the checkpoint it carries")


def receipt_payload(receipt: ReceiptData | None) -> dict[str, Any]:
    if receipt is None:
        return {}
    return {
        "entry_hash": receipt.entry_hash.hex(),
        "leaf_index": receipt.leaf_index,
        "checkpoint": receipt.checkpoint,
        "signature": receipt.signature.hex(),
        # The node's exact signed bytes: our log alone then shows what the node promised.
        "statement_b64": base64.b64encode(receipt.statement).decode("ascii"),
    }
