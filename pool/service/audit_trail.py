"""The coordinator's own signed audit log, node receipts checked against members' keys, and
the node checkpoints the coordinator witnesses.

Everything runs inside the caller's session: an entry is durable exactly when the state
change it records commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from audit.checkpoints import CheckpointError, open_checkpoint
from audit.ed25519 import Signer
from audit.schema import audit_cosignature
from audit.store import LogStore
from audit.witness import CosignRefused, Witness
from pool.adapters import orm
from pool.adapters.node_client import ReceiptData


class ReceiptRejected(Exception):
    """A node's receipt does not verify against the member's registered audit key."""


def check_receipt(receipt: ReceiptData, member_key: bytes) -> str:
    """The receipt's checkpoint origin once its signature verifies; raises ReceiptRejected.

    What can be checked without the entry's bytes is the checkpoint the node signed over the
    log containing the entry, with the key the member registered.
    """
    if not receipt.checkpoint:
        if receipt.signature and len(receipt.signature) != 64:
            raise ReceiptRejected("receipt signature is not an Ed25519 signature")
        return ""
    origin = receipt.checkpoint.split("\n", 1)[0]
    try:
        checkpoint, _ = open_checkpoint(receipt.checkpoint, origin, member_key)
    except (CheckpointError, ValueError) as exc:
        raise ReceiptRejected(f"receipt checkpoint: {exc}") from None
    if receipt.leaf_index >= checkpoint.size:
        raise ReceiptRejected("receipt entry lies outside the checkpoint it carries")
    return origin


def receipt_payload(receipt: ReceiptData | None) -> dict[str, Any]:
    if receipt is None:
        return {}
    return {
        "entry_hash": receipt.entry_hash.hex(),
        "leaf_index": receipt.leaf_index,
        "checkpoint": receipt.checkpoint,
        "signature": receipt.signature.hex(),
    }


class AuditTrail:
    def __init__(self, origin: str, signer: Signer, author: str) -> None:
        self.store = LogStore(origin, signer, author)
        self.witness = Witness(author, signer)
        self.author = author

    @property
    def public_key(self) -> bytes:
        return self.store.signer.public_key

    def create(self, session: Session) -> None:
        self.store.create(session)

    def record(self, session: Session, kind: str, payload: Mapping[str, Any], at_ms: int) -> int:
        """Sign and append one statement; returns its leaf index."""
        return self.store.append(session, kind, payload, (), at_ms).leaf_index

    def checkpoint(self, session: Session) -> str:
        return self.store.sign_checkpoint(session)

    def witness_node_checkpoint(
        self, session: Session, member_id: str, note: str, member_key: bytes, now_ms: int
    ) -> str:
        """Keep a node checkpoint we saw and cosign it when it extends what we cosigned.

        Nodes serve no consistency proofs over gRPC yet, so the first checkpoint of each node
        (and any of the same size and root) is cosigned; a larger one is kept as seen only.
        """
        checkpoint, _ = open_checkpoint(note, note.split("\n", 1)[0], member_key)
        row = session.get(orm.NodeCheckpoint, (member_id, checkpoint.size))
        if row is None:
            row = orm.NodeCheckpoint(
                member_id=member_id, tree_size=checkpoint.size, note=note, seen_at_ms=now_ms
            )
            session.add(row)
        if not row.cosigned_note:
            try:
                with session.begin_nested():
                    row.cosigned_note = self.witness.cosign(
                        session, note, member_key, [], now_s=now_ms // 1000
                    )
            except CosignRefused:
                row.cosigned_note = ""
        return row.cosigned_note

    def cosigners(self, session: Session, tree_size: int) -> tuple[str, ...]:
        rows = session.execute(
            sa.select(audit_cosignature.c.witness_name).where(
                audit_cosignature.c.tree_size == tree_size
            )
        ).scalars()
        return tuple(sorted(set(rows)))
