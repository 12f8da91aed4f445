"""The coordinator's own signed audit log, the node receipts it keeps to prove, and the node
checkpoints it witnesses.

Everything runs inside the caller's session: an entry is durable exactly when the state
change it records commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from audit.checkpoints import Checkpoint, CheckpointError, open_checkpoint, parse_body
from audit.ed25519 import Signer
from audit.note import NoteError, parse_note
from audit.schema import audit_checkpoint, audit_cosignature, audit_log
from audit.statements import Statement
from audit.store import LogStore
from audit.witness import CosignRefused, Witness
from pool.adapters import orm
from pool.adapters.node_client import ReceiptData
from pool.adapters.sql import insert_if_absent
from pool.service.api import NodeWitnessView


def checkpoint_of(note: str) -> Checkpoint:
    """The checkpoint in a note whose signature was checked when it was stored."""
    return parse_body(parse_note(note).text)


_PENDING = "audit_statements_pending"


class AuditTrail:
    """Statements are appended when their transaction commits, not when they are recorded.

    The log's head row is locked from an append until its transaction ends, which serializes
    every writer of the coordinator. Recording queues the statement on the session; just
    before COMMIT (`attach`) the session's own changes are flushed and then all its
    statements appended at once, so the lock covers a few statements and the commit only.
    """

    def __init__(self, origin: str, signer: Signer, author: str) -> None:
        self.store = LogStore(origin, signer, author)
        self.witness = Witness(author, signer)
        self.author = author

    @property
    def public_key(self) -> bytes:
        return self.store.signer.public_key

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Append each session's queued statements as the last work before its commit."""
        event.listen(sessions, "before_commit", self._before_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    def create(self, session: Session) -> None:
        self.store.create(session)

    def record(self, session: Session, kind: str, payload: Mapping[str, Any], at_ms: int) -> None:
        """Queue one statement, signed and appended when the session commits."""
        statement = Statement(self.author, kind, at_ms, (), payload)
        statement.canonical_bytes()  # refuse a malformed statement here, not at the commit
        session.info.setdefault(_PENDING, []).append(statement)

    def append_pending(self, session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if pending:
            session.flush()
            self.store.append_own_many(session, pending)

    def checkpoint(self, session: Session) -> str:
        self.append_pending(session)
        return self.store.sign_checkpoint(session)

    def _before_commit(self, session: Session) -> None:
        self.append_pending(session)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    # --- node receipts ----------------------------------------------------------------------

    def keep_receipt(
        self,
        session: Session,
        member_id: str,
        reservation_id: str,
        receipt: ReceiptData,
        now_ms: int,
    ) -> None:
        """Keep a checked receipt's checkpoint as seen, and the duty to prove its inclusion."""
        size = 0
        if receipt.checkpoint:
            size = checkpoint_of(receipt.checkpoint).size
            # Holds settled at once on one node share its checkpoints: first writer wins.
            insert_if_absent(
                session,
                orm.NodeCheckpoint,
                member_id=member_id,
                tree_size=size,
                note=receipt.checkpoint,
                cosigned_note="",
                seen_at_ms=now_ms,
            )
        insert_if_absent(
            session,
            orm.ReceiptProof,
            member_id=member_id,
            leaf_index=receipt.leaf_index,
            entry_hash=receipt.entry_hash,
            checkpoint_size=size,
            reservation_id=reservation_id,
            received_at_ms=now_ms,
            failure="",
        )

    # --- witnessing members' logs -----------------------------------------------------------

    def node_witness(self, session: Session, member_id: str) -> orm.NodeWitness | None:
        return session.get(orm.NodeWitness, member_id)

    def cosign_node_checkpoint(
        self,
        session: Session,
        member_id: str,
        note: str,
        member_key: bytes,
        proof: Sequence[bytes],
        now_ms: int,
    ) -> Checkpoint:
        """Cosign a member's checkpoint that extends the last one we cosigned (proof from that
        size); raises CosignRefused for a fork, a rollback, another origin or a bad signature."""
        try:
            checkpoint, _ = open_checkpoint(note, note.split("\n", 1)[0], member_key)
        except (CheckpointError, NoteError) as exc:
            raise CosignRefused(f"checkpoint refused: {exc}") from None
        state = self._pinned(session, member_id, checkpoint.origin)
        seen = session.get(orm.NodeCheckpoint, (member_id, checkpoint.size))
        if seen is not None and checkpoint_of(seen.note).root_hash != checkpoint.root_hash:
            raise CosignRefused(
                f"two checkpoints of size {checkpoint.size} with different root hashes: a fork"
            )
        cosigned = self.witness.cosign(session, note, member_key, proof, now_s=now_ms // 1000)
        if seen is None:  # a settling hold may be storing the same checkpoint right now
            insert_if_absent(
                session,
                orm.NodeCheckpoint,
                member_id=member_id,
                tree_size=checkpoint.size,
                note=note,
                cosigned_note="",
                seen_at_ms=now_ms,
            )
            seen = session.get(orm.NodeCheckpoint, (member_id, checkpoint.size))
            assert seen is not None
        seen.cosigned_note, seen.seen_at_ms = cosigned, now_ms
        state.cosigned_size, state.cosigned_at_ms = checkpoint.size, now_ms
        return checkpoint

    def _pinned(self, session: Session, member_id: str, origin: str) -> orm.NodeWitness:
        """A member's log is the origin we first saw it under: another one would let it show
        a second history next to the one we witness."""
        state = session.get(orm.NodeWitness, member_id)
        if state is None:
            state = orm.NodeWitness(
                member_id=member_id, origin=origin, cosigned_size=0, refusal="", refused_note=""
            )
            session.add(state)
            session.flush()
        elif not state.origin:  # known so far only by refusals
            state.origin = origin
        elif state.origin != origin:
            raise CosignRefused(f"log {origin!r} is not {state.origin!r}, the log we witness")
        return state

    def refuse_node_checkpoint(
        self, session: Session, member_id: str, note: str, why: str, now_ms: int
    ) -> bool:
        """Record a refused checkpoint in our log, once per checkpoint and reason; True when
        it was new."""
        state = session.get(orm.NodeWitness, member_id)
        if state is None:
            state = orm.NodeWitness(member_id=member_id, origin="", cosigned_size=0)
            session.add(state)
        if (state.refused_note, state.refusal) == (note, why):
            return False
        state.refused_note, state.refusal, state.refused_at_ms = note, why, now_ms
        self.record(
            session,
            "node_checkpoint_refused",
            {"member_id": member_id, "checkpoint": note, "why": why},
            now_ms,
        )
        return True

    # --- our own checkpoints ----------------------------------------------------------------

    def cosigners(self, session: Session, tree_size: int) -> tuple[str, ...]:
        rows = session.execute(
            sa.select(audit_cosignature.c.witness_name)
            .join(audit_log, audit_log.c.log_id == audit_cosignature.c.log_id)
            .where(
                audit_log.c.origin == self.store.origin, audit_cosignature.c.tree_size == tree_size
            )
        ).scalars()
        return tuple(sorted(set(rows)))

    def cosigned_size_by(self, session: Session, member_id: str) -> int:
        """The largest of our checkpoints whose cosignature by `member_id` we hold."""
        size = session.scalar(
            sa.select(sa.func.max(audit_cosignature.c.tree_size))
            .join(audit_log, audit_log.c.log_id == audit_cosignature.c.log_id)
            .where(
                audit_log.c.origin == self.store.origin,
                audit_cosignature.c.witness_name == member_id,
            )
        )
        return int(size or 0)

    def latest_cosigned(self, session: Session) -> tuple[int, str] | None:
        """(size, note with its cosignatures) of our largest checkpoint that has any."""
        row = session.execute(
            sa.select(audit_checkpoint.c.tree_size, audit_checkpoint.c.note)
            .join(audit_log, audit_log.c.log_id == audit_checkpoint.c.log_id)
            .join(
                audit_cosignature,
                sa.and_(
                    audit_cosignature.c.log_id == audit_checkpoint.c.log_id,
                    audit_cosignature.c.tree_size == audit_checkpoint.c.tree_size,
                ),
            )
            .where(audit_log.c.origin == self.store.origin)
            .order_by(audit_checkpoint.c.tree_size.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else (int(row.tree_size), row.note)


def node_witness_views(session: Session) -> list[NodeWitnessView]:
    """Every member we witness or hold receipts of: what we cosigned, refused, still prove."""
    proofs = orm.ReceiptProof
    counts = session.execute(
        sa.select(
            proofs.member_id,
            sa.func.count().filter(proofs.proven_at_ms.is_(None), proofs.failure == ""),
            sa.func.count().filter(proofs.failure != ""),
        ).group_by(proofs.member_id)
    ).all()
    receipts = {member: (int(waiting), int(failed)) for member, waiting, failed in counts}
    states = {w.member_id: w for w in session.scalars(sa.select(orm.NodeWitness))}
    views = []
    for member_id in sorted(set(states) | set(receipts)):
        state = states.get(member_id)
        waiting, failed = receipts.get(member_id, (0, 0))
        refused = (
            state is not None
            and state.refused_at_ms is not None
            and (state.cosigned_at_ms is None or state.refused_at_ms >= state.cosigned_at_ms)
        )
        views.append(
            NodeWitnessView(
                member_id=member_id,
                cosigned_size=state.cosigned_size if state else 0,
                cosigned_at_ms=state.cosigned_at_ms if state else None,
                refusal=state.refusal if refused and state else "",
                refused_at_ms=state.refused_at_ms if refused and state else None,
                receipts_waiting=waiting,
                receipts_unproven=failed,
            )
        )
    return views
