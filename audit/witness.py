"""A witness: a member that cosigns another log's checkpoints, but only after checking that
each one extends the last checkpoint it cosigned for that origin (kept in its own database),
so the log cannot show different histories to different members without being caught."""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    add_signature,
    cosign,
    open_checkpoint,
)
from audit.ed25519 import Signer
from audit.keys import check_public_key
from audit.proofs import ProofError, verify_consistency
from audit.schema import audit_witness_state


class CosignRefused(Exception):
    """The checkpoint is not signed by the log, or does not extend what we cosigned before."""


class Witness:
    def __init__(self, name: str, signer: Signer) -> None:
        self.name = name
        self.signer = signer

    def last_cosigned(self, conn: Connection | Session, origin: str) -> tuple[int, str] | None:
        """(tree size, note) of the last checkpoint of `origin` we cosigned, if any: where the
        consistency proof for the next one must start."""
        c = conn.connection() if isinstance(conn, Session) else conn
        row = c.execute(
            sa.select(audit_witness_state.c.tree_size, audit_witness_state.c.note).where(
                audit_witness_state.c.witness_name == self.name,
                audit_witness_state.c.origin == origin,
            )
        ).one_or_none()
        return None if row is None else (int(row.tree_size), row.note)

    def cosign(
        self,
        conn: Connection | Session,
        note: str,
        log_key: bytes,
        consistency_proof: Sequence[bytes],
        now_s: int | None = None,
    ) -> str:
        """Return `note` with our cosignature added, having verified the log's signature and
        the consistency proof from our last cosigned checkpoint of this origin.

        Runs in the caller's transaction: commit before handing the cosignature out, so the
        state that protects us against a fork is durable first.
        """
        c = conn.connection() if isinstance(conn, Session) else conn
        check_public_key(log_key)
        try:
            origin = note.split("\n", 1)[0]
            checkpoint, parsed = open_checkpoint(note, origin, log_key)
        except CheckpointError as exc:
            raise CosignRefused(f"checkpoint refused: {exc}") from None
        last = c.execute(
            sa.select(audit_witness_state)
            .where(
                audit_witness_state.c.witness_name == self.name,
                audit_witness_state.c.origin == checkpoint.origin,
            )
            .with_for_update()
        ).one_or_none()
        if last is not None:
            _check_extends(last.tree_size, bytes(last.root_hash), checkpoint, consistency_proof)
        values = {
            "tree_size": checkpoint.size,
            "root_hash": checkpoint.root_hash,
            "note": note,
            "updated_at_ms": time.time_ns() // 1_000_000,
        }
        if last is None:
            c.execute(
                sa.insert(audit_witness_state).values(
                    witness_name=self.name, origin=checkpoint.origin, **values
                )
            )
        else:
            c.execute(
                sa.update(audit_witness_state)
                .where(
                    audit_witness_state.c.witness_name == self.name,
                    audit_witness_state.c.origin == checkpoint.origin,
                )
                .values(**values)
            )
        timestamp = int(time.time()) if now_s is None else now_s
        line = cosign(parsed.text, self.name, self.signer, timestamp)
        return add_signature(note, line)


def _check_extends(
    last_size: int, last_root: bytes, checkpoint: Checkpoint, proof: Sequence[bytes]
) -> None:
    if checkpoint.size < last_size:
        raise CosignRefused(
            f"checkpoint of size {checkpoint.size} is older than the {last_size} we cosigned"
        )
    if last_size == 0:
        return  # every tree extends the empty one
    try:
        verify_consistency(last_size, checkpoint.size, proof, last_root, checkpoint.root_hash)
    except ProofError as exc:
        raise CosignRefused(
            f"checkpoint of size {checkpoint.size} is not consistent with the one of size "
            f"{last_size} we cosigned: {exc}"
        ) from None
