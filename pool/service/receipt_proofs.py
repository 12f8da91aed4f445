"""Proving, in the background, the receipts nodes handed out on the reserve/confirm path: each
entry is in the checkpoint its receipt names, and that checkpoint lies in the history the
coordinator witnessed (cosigned). A receipt that fails is recorded as evidence."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
import structlog

from audit.checkpoints import Checkpoint
from audit.proofs import ProofError, verify_consistency, verify_inclusion
from pool.adapters import orm
from pool.adapters.node_client import NodeClient, NodeRefused
from pool.service.audit_trail import checkpoint_of
from pool.service.context import Context

log = structlog.get_logger(__name__)

RECEIPTS_PER_ROUND = 200  # per member: a backlog drains over a few rounds, never in one burst


class ReceiptProver:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def prove(self, member_id: str, client: NodeClient, witnessed: Checkpoint) -> None:
        """Prove the member's waiting receipts that the witnessed checkpoint covers."""
        for size, receipts in self._waiting(member_id, witnessed.size).items():
            claimed = self._claimed(member_id, size, witnessed)
            failure = self._in_witnessed_history(client, claimed, witnessed)
            self._settle(
                member_id,
                {r.leaf_index: failure or self._included(client, r, claimed) for r in receipts},
            )

    def _waiting(self, member_id: str, witnessed_size: int) -> dict[int, list[orm.ReceiptProof]]:
        """Receipts to prove, by the size of the checkpoint they name (0: none)."""
        with self.ctx.sessions() as s:
            rows = s.scalars(
                sa.select(orm.ReceiptProof)
                .where(
                    orm.ReceiptProof.member_id == member_id,
                    orm.ReceiptProof.proven_at_ms.is_(None),
                    orm.ReceiptProof.failure == "",
                    orm.ReceiptProof.checkpoint_size <= witnessed_size,
                    orm.ReceiptProof.leaf_index < witnessed_size,
                )
                .order_by(orm.ReceiptProof.leaf_index)
                .limit(RECEIPTS_PER_ROUND)
            ).all()
            s.expunge_all()
        grouped: dict[int, list[orm.ReceiptProof]] = defaultdict(list)
        for row in rows:
            grouped[row.checkpoint_size].append(row)
        return grouped

    def _claimed(self, member_id: str, size: int, witnessed: Checkpoint) -> Checkpoint:
        """The checkpoint the receipts named (kept, signature checked, when they arrived)."""
        if size == 0:
            return witnessed
        with self.ctx.sessions() as s:
            seen = s.get(orm.NodeCheckpoint, (member_id, size))
            assert seen is not None, (member_id, size)
            return checkpoint_of(seen.note)

    @staticmethod
    def _in_witnessed_history(
        client: NodeClient, claimed: Checkpoint, witnessed: Checkpoint
    ) -> str:
        try:
            proof = (
                client.consistency_proof(claimed.size, witnessed.size)
                if claimed.size < witnessed.size
                else []
            )
            verify_consistency(
                claimed.size, witnessed.size, proof, claimed.root_hash, witnessed.root_hash
            )
        except (ProofError, NodeRefused) as exc:
            return f"receipt checkpoint of size {claimed.size} is not in the witnessed log: {exc}"
        return ""

    @staticmethod
    def _included(client: NodeClient, receipt: orm.ReceiptProof, claimed: Checkpoint) -> str:
        index, size = receipt.leaf_index, claimed.size
        try:
            proof = client.inclusion_proof(index, size)
            verify_inclusion(receipt.entry_hash, index, size, proof, claimed.root_hash)
        except (ProofError, NodeRefused) as exc:
            return f"entry {index} is not in the node's log of size {size}: {exc}"
        return ""

    def _settle(self, member_id: str, failures: dict[int, str]) -> None:
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            for leaf_index, failure in failures.items():
                row = s.get(orm.ReceiptProof, (member_id, leaf_index))
                assert row is not None
                if not failure:
                    row.proven_at_ms = now
                    continue
                row.failure = failure[:2000]
                self.ctx.trail.record(
                    s,
                    "receipt_unproven",
                    {
                        "member_id": member_id,
                        "reservation_id": row.reservation_id,
                        "leaf_index": leaf_index,
                        "entry_hash": row.entry_hash.hex(),
                        "why": failure[:500],
                    },
                    now,
                )
                log.error(
                    "receipt_unproven", member_id=member_id, leaf_index=leaf_index, why=failure
                )
