"""Cross-cosigning with the members' nodes, one round per tick: the coordinator cosigns each
live node's latest checkpoint once the node proved it extends the last one cosigned, proves
the receipts the node handed out since (inclusion in their checkpoints, which must lie in the
witnessed history), and has the node cosign the coordinator's latest checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import structlog

from audit.checkpoints import Checkpoint
from audit.store import AuditStoreError
from audit.witness import CosignRefused
from pool.adapters import orm
from pool.adapters.node_client import NodeCallError, NodeClient, NodeRefused
from pool.service import views
from pool.service.audit_trail import checkpoint_of
from pool.service.context import Context
from pool.service.nodes import NodeDirectory
from pool.service.receipt_proofs import ReceiptProver

log = structlog.get_logger(__name__)


class CrossCosigner:
    def __init__(self, ctx: Context, nodes: NodeDirectory) -> None:
        self.ctx = ctx
        self.nodes = nodes
        self.receipts = ReceiptProver(ctx)
        self._complaints: dict[tuple[str, str], str] = {}  # (member, event) -> last error

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
            self.receipts.prove(member.member_id, client, witnessed)

    def _with_node(
        self, member: orm.Member, work: Callable[[orm.Member, NodeClient], None]
    ) -> None:
        try:
            work(member, self.nodes.client(member))
        except NodeCallError as exc:
            # A node down, or one that serves no AuditService: the next tick tries again.
            self._complain(member.member_id, "cross_cosigning_skipped", str(exc))

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
        except NodeRefused as exc:  # the cosign below then refuses it, with the reason
            proof = []
            self._complain(member.member_id, "node_consistency_proof_refused", str(exc))
        except ValueError:
            proof = []  # not a checkpoint at all: the cosign below says why
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            try:
                with s.begin_nested():
                    checkpoint = self.ctx.trail.cosign_node_checkpoint(
                        s, member.member_id, note, member.audit_public_key, proof, now
                    )
                    cosigned = s.get(orm.NodeCheckpoint, (member.member_id, checkpoint.size))
            except CosignRefused as exc:
                if self.ctx.trail.refuse_node_checkpoint(s, member.member_id, note, str(exc), now):
                    log.error("node_checkpoint_refused", member_id=member.member_id, why=str(exc))
                return None
            cosigned_note = cosigned.cosigned_note if cosigned is not None else ""
        if checkpoint.size > last_size and cosigned_note:
            self._hand_back(member, client, cosigned_note)
        return checkpoint

    def _hand_back(self, member: orm.Member, client: NodeClient, cosigned_note: str) -> None:
        """The node keeps our cosignature with its checkpoint: its own exports then show it."""
        try:
            client.add_cosignature(cosigned_note)
        except NodeRefused as exc:
            self._complain(member.member_id, "cosignature_not_kept", str(exc))

    @staticmethod
    def _proof_from(client: NodeClient, last_size: int, size: int) -> list[bytes]:
        if not 0 < last_size < size:
            return []  # first sight, same size, or an older tree the witness refuses anyway
        return client.consistency_proof(last_size, size)

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
            self._complain(member.member_id, "checkpoint_not_cosigned", str(exc))

    def _complain(self, member_id: str, event: str, error: str) -> None:
        """Warn when a member's problem is new; the same one every tick is only debug."""
        repeated = self._complaints.get((member_id, event)) == error
        self._complaints[(member_id, event)] = error
        (log.debug if repeated else log.warning)(event, member_id=member_id, error=error)

    def _our_proof(self, s: sa.orm.Session, previous: int, size: int) -> Sequence[bytes]:
        if not 0 < previous < size:
            return []  # first cosignature; a node ahead of our log is refused by it anyway
        return self.ctx.trail.store.consistency_proof(s, previous, size)
