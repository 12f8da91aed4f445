"""Cross-cosigning with the members' nodes, one round per tick: the coordinator cosigns each
live node's latest checkpoint once the node proved it extends the last one cosigned, proves
the receipts the node handed out since (inclusion in their checkpoints, which must lie in the
witnessed history), and has the node cosign the coordinator's latest checkpoint."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import grpc
import sqlalchemy as sa
import structlog

from audit.checkpoints import Checkpoint
from audit.proofs import ProofError, verify_consistency, verify_inclusion
from audit.store import AuditStoreError
from audit.witness import CosignRefused
from pool.adapters import orm
from pool.adapters.node_client import NodeCallError, NodeClient, NodeRefused
from pool.service import views
from pool.service.audit_trail import checkpoint_of
from pool.service.context import Context
from pool.service.nodes import NodeDirectory

log = structlog.get_logger(__name__)

RECEIPTS_PER_TICK = 200  # per member: a backlog drains over a few ticks, never in one burst


class CrossCosigner:
    def __init__(self, ctx: Context, nodes: NodeDirectory) -> None:
        self.ctx = ctx
        self.nodes = nodes

    def tick(self) -> None:
        members = self._live_members()
        for member in members:
            self._with_node(member, self._witness_and_prove)
        # One checkpoint for the whole round (refusals above may have grown our log), so
        # every node cosigns the same one.
        with self.ctx.sessions.begin() as s:
            note = self.ctx.trail.checkpoint(s)
        for member in members:
            self._with_node(member, lambda m, c: self.offer_checkpoint(m, c, note))

    def _witness_and_prove(self, member: orm.Member, client: NodeClient) -> None:
        witnessed = self.witness_member(member, client)
        if witnessed is not None:
            self.prove_receipts(member, client, witnessed)

    def _with_node(
        self, member: orm.Member, work: Callable[[orm.Member, NodeClient], None]
    ) -> None:
        try:
            work(member, self.nodes.client(member))
        except NodeCallError as exc:
            # A node down, or one that serves no AuditService: the next tick tries again.
            quiet = exc.code == grpc.StatusCode.UNIMPLEMENTED
            (log.debug if quiet else log.info)(
                "cross_cosigning_skipped", member_id=member.member_id, error=str(exc)
            )

    def _live_members(self) -> list[orm.Member]:
        now = self.ctx.now_ms()
        with self.ctx.sessions() as s:
            members = s.scalars(
                sa.select(orm.Member)
                .where(orm.Member.active.is_(True))
                .order_by(orm.Member.member_id)
            ).all()
            s.expunge_all()
        return [m for m in members if not views.is_stale(m, now, self.ctx.staleness_ms)]

    # --- the node's log ---------------------------------------------------------------------

    def witness_member(self, member: orm.Member, client: NodeClient) -> Checkpoint | None:
        """Cosign the node's latest checkpoint; None when it is refused (and recorded)."""
        note = client.audit_checkpoint()
        origin = note.split("\n", 1)[0]
        with self.ctx.sessions() as s:
            last = self.ctx.trail.witness.last_cosigned(s, origin)
        last_size = 0 if last is None else last[0]
        try:
            proof = self._proof_from(client, last_size, checkpoint_of(note).size)
        except NodeRefused as exc:  # e.g. a rewritten log smaller than what we cosigned
            proof = []
            log.warning(
                "node_consistency_proof_refused", member_id=member.member_id, error=str(exc)
            )
        except ValueError:
            proof = []  # not a checkpoint at all: the cosign below says why
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            try:
                with s.begin_nested():
                    return self.ctx.trail.cosign_node_checkpoint(
                        s, member.member_id, note, member.audit_public_key, proof, now
                    )
            except CosignRefused as exc:
                if self.ctx.trail.refuse_node_checkpoint(s, member.member_id, note, str(exc), now):
                    log.error("node_checkpoint_refused", member_id=member.member_id, why=str(exc))
                return None

    @staticmethod
    def _proof_from(client: NodeClient, last_size: int, size: int) -> list[bytes]:
        if not 0 < last_size < size:
            return []  # first sight, same size, or an older tree the witness refuses anyway
        return client.consistency_proof(last_size, size)

    def prove_receipts(self, member: orm.Member, client: NodeClient, witnessed: Checkpoint) -> None:
        """Prove each waiting receipt's entry is in its checkpoint, and that checkpoint in the
        history we witnessed; a receipt that fails is recorded as unproven."""
        by_checkpoint = self._waiting_receipts(member.member_id, witnessed.size)
        for size, receipts in by_checkpoint.items():
            outcome = self._prove_checkpoint(member.member_id, client, size, witnessed)
            results = {
                r.leaf_index: outcome or self._prove_inclusion(client, r, size, witnessed)
                for r in receipts
            }
            self._settle_proofs(member.member_id, results)

    def _waiting_receipts(
        self, member_id: str, witnessed_size: int
    ) -> dict[int, list[orm.ReceiptProof]]:
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
                .limit(RECEIPTS_PER_TICK)
            ).all()
            s.expunge_all()
        grouped: dict[int, list[orm.ReceiptProof]] = defaultdict(list)
        for row in rows:
            grouped[row.checkpoint_size].append(row)
        return grouped

    def _prove_checkpoint(
        self, member_id: str, client: NodeClient, size: int, witnessed: Checkpoint
    ) -> str:
        """ "" when the receipts' checkpoint of `size` (0: none) lies in the witnessed history."""
        if size in (0, witnessed.size):
            root = witnessed.root_hash if size == 0 else self._root(member_id, size)
            return (
                "" if root == witnessed.root_hash else "checkpoint differs from the witnessed one"
            )
        try:
            proof = client.consistency_proof(size, witnessed.size)
            verify_consistency(
                size, witnessed.size, proof, self._root(member_id, size), witnessed.root_hash
            )
        except (ProofError, NodeRefused) as exc:
            return f"receipt checkpoint of size {size} is not in the witnessed log: {exc}"
        return ""

    def _root(self, member_id: str, size: int) -> bytes:
        with self.ctx.sessions() as s:
            seen = s.get(orm.NodeCheckpoint, (member_id, size))
            assert seen is not None, (member_id, size)  # kept with the receipt
            return checkpoint_of(seen.note).root_hash

    def _prove_inclusion(
        self, client: NodeClient, receipt: orm.ReceiptProof, size: int, witnessed: Checkpoint
    ) -> str:
        tree_size = size or witnessed.size
        root = (
            witnessed.root_hash
            if size in (0, witnessed.size)
            else self._root(receipt.member_id, size)
        )
        try:
            proof = client.inclusion_proof(receipt.leaf_index, tree_size)
            verify_inclusion(receipt.entry_hash, receipt.leaf_index, tree_size, proof, root)
        except (ProofError, NodeRefused) as exc:
            return f"entry {receipt.leaf_index} is not in the node's log of size {tree_size}: {exc}"
        return ""

    def _settle_proofs(self, member_id: str, failures: dict[int, str]) -> None:
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

    # --- our log ----------------------------------------------------------------------------

    def offer_checkpoint(self, member: orm.Member, client: NodeClient, note: str) -> None:
        """Have the node cosign our checkpoint `note`, from the size it last cosigned."""
        trail, size = self.ctx.trail, checkpoint_of(note).size
        with self.ctx.sessions() as s:
            if trail.cosigned_size_by(s, member.member_id) >= size:
                return
        previous = client.cosigned_size(trail.store.origin)
        with self.ctx.sessions() as s:
            proof = self._our_proof(s, previous, size)
        try:
            cosigned = client.cosign_checkpoint(note, previous, proof)
            with self.ctx.sessions.begin() as s:
                trail.store.add_cosignature(s, cosigned, member.member_id, member.audit_public_key)
        except (NodeRefused, AuditStoreError, ValueError) as exc:
            log.warning("checkpoint_not_cosigned", member_id=member.member_id, error=str(exc))

    def _our_proof(self, s: sa.orm.Session, previous: int, size: int) -> Sequence[bytes]:
        if not 0 < previous < size:
            return []  # first cosignature; a node ahead of our log is refused by it anyway
        return self.ctx.trail.store.consistency_proof(s, previous, size)
