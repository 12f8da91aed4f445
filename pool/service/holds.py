"""The coordinator's record of each hold it made on a node: a state change is settled with the
node's receipt (checked, and kept for its inclusion proof) in the coordinator's audit log, and
holds whose fate is unknown are followed up until the node answers: orphans (a Reserve or a
release without an answer) are released, unanswered confirmations are asked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from pool.adapters import orm
from pool.adapters.node_client import (
    NodeCallError,
    NodeNotFound,
    NodeRefused,
    NodeUnavailable,
    ReservationData,
)
from pool.service.context import Context
from pool.service.nodes import NodeDirectory
from pool.service.receipts import ReceiptRejected, check_receipt, receipt_payload

log = structlog.get_logger(__name__)


class HoldBook:
    def __init__(self, ctx: Context, nodes: NodeDirectory) -> None:
        self.ctx = ctx
        self.nodes = nodes

    def reject_receipt(
        self, rid: str, member: orm.Member, outcome: ReservationData, why: str
    ) -> None:
        """A hold we cannot prove is not used: record why, release it, plan around it."""
        with self.ctx.sessions.begin() as s:
            row = s.get(orm.Reservation, rid)
            assert row is not None
            row.state, row.error, row.updated_at_ms = (
                "orphan",
                f"receipt rejected: {why}",
                self.ctx.now_ms(),
            )
            self.record_rejection(s, rid, member, outcome, why)
        self.release_orphan(rid)

    def record_rejection(
        self, s: Session, rid: str, member: orm.Member, outcome: ReservationData, why: str
    ) -> None:
        self.ctx.trail.record(
            s,
            "receipt_rejected",
            {
                "reservation_id": rid,
                "member_id": member.member_id,
                "why": why,
                "receipt": receipt_payload(outcome.receipt),
            },
            self.ctx.now_ms(),
        )
        log.warning("receipt_rejected", reservation_id=rid, member_id=member.member_id, why=why)

    def in_doubt_ids(self) -> list[str]:
        with self.ctx.sessions() as s:
            return list(
                s.scalars(
                    sa.select(orm.Reservation.reservation_id).where(
                        orm.Reservation.state == "in_doubt"
                    )
                )
            )

    def resolve_in_doubt(self, rid: str) -> bool:
        """Ask again for an unanswered confirmation (Confirm is idempotent); True when settled.

        A hold the node still has is confirmed as the plan decided; one it no longer has
        (expired or released) ends refused, and its quantity stays short on the demand.
        """
        with self.ctx.sessions() as s:
            reservation = s.get(orm.Reservation, rid)
            assert reservation is not None
            member = _member(s, reservation.member_id)
            s.expunge_all()
        try:
            outcome = self.nodes.client(member).confirm(rid)
        except (NodeUnavailable, PermissionError):
            return False
        except NodeCallError as exc:
            self.settle(rid, "refused", f"confirmation was in doubt; node refuses it: {exc}")
            return True
        if outcome.state == "confirmed":
            self.settle_confirmed(rid, member, outcome)
            return True
        self.settle(rid, "refused", f"confirmation was in doubt; node reports {outcome.state}")
        return True

    def settle_confirmed(self, rid: str, member: orm.Member, outcome: ReservationData) -> None:
        settlement, problem = self.confirmed(rid, member, outcome)
        self.settle_all([settlement])
        if problem:
            self.record_rejections([(rid, member, outcome, problem)])

    def confirmed(
        self, rid: str, member: orm.Member, outcome: ReservationData
    ) -> tuple[Settlement, str]:
        """A hold the node confirmed, and why its receipt is refused ("" when it is not). The
        goods ship either way; a bad receipt is recorded as evidence (`record_rejections`)."""
        problem = self.receipt_problem(outcome, member, rid)
        if problem:
            return Settlement(rid, "confirmed", f"receipt rejected: {problem}"), problem
        return Settlement(rid, "confirmed", "", outcome, member), ""

    def record_rejections(
        self, rejected: Sequence[tuple[str, orm.Member, ReservationData, str]]
    ) -> None:
        """Record receipts refused on confirmed holds, each in its own transaction."""
        for rid, member, outcome, why in rejected:
            with self.ctx.sessions.begin() as s:
                self.record_rejection(s, rid, member, outcome, why)

    def orphan_ids(self) -> list[str]:
        with self.ctx.sessions() as s:
            return list(
                s.scalars(
                    sa.select(orm.Reservation.reservation_id).where(
                        orm.Reservation.state == "orphan"
                    )
                )
            )

    def release_orphan(self, rid: str, final_state: str = "refused") -> bool:
        """Find out what became of a hold we may have made, and end it; True when settled."""
        with self.ctx.sessions() as s:
            reservation = s.get(orm.Reservation, rid)
            assert reservation is not None
            member = _member(s, reservation.member_id)
            s.expunge_all()
        if not member.active:
            # Not called any more; the node's time-to-live ends the hold.
            self.settle(rid, final_state, "member revoked; hold left to expire")
            return True
        client = self.nodes.client(member)
        try:
            found = client.release(rid, "plan changed")
            state = "confirmed" if found.state == "confirmed" else final_state
            self.settle(rid, state, "", found if state == "confirmed" else None, member)
            return True
        except NodeNotFound:
            self.settle(rid, final_state, "never held")
            return True
        except NodeRefused:
            try:
                found = client.get_reservation(rid)
            except NodeCallError:
                return False
            state = "confirmed" if found.state == "confirmed" else final_state
            self.settle(rid, state, f"node reports {found.state}")
            return True
        except NodeUnavailable:
            if reservation.state != "orphan":
                self.settle(rid, "orphan", "release pending: node unavailable")
            return False

    def settle(
        self,
        rid: str,
        state: str,
        error: str,
        outcome: ReservationData | None = None,
        member: orm.Member | None = None,
    ) -> None:
        """Persist a reservation's new state with the node's receipt, in the audit log. A
        receipt that fails its check raises ReceiptRejected before anything is written."""
        if outcome is not None and outcome.receipt is not None and member is not None:
            check_receipt(outcome.receipt, member.member_id, member.audit_public_key, rid)
        self.settle_all([Settlement(rid, state, error, outcome, member)])

    def settle_all(self, settlements: Sequence[Settlement]) -> None:
        """Settle the holds of one stage in one transaction (one audit append, one commit,
        instead of one each). Their receipts were checked by the caller (`receipt_problem`,
        `confirmed`): each is verified once, not again here."""
        if not settlements:
            return
        now = self.ctx.now_ms()
        with self.ctx.sessions.begin() as s:
            plans = [self._settle_in(s, x, now) for x in settlements]
        for x, plan_id in zip(settlements, plans, strict=True):
            log.info(
                "reservation_state",
                reservation_id=x.rid,
                plan_id=plan_id,
                state=x.state,
                error=x.error,
            )

    @staticmethod
    def receipt_problem(outcome: ReservationData, member: orm.Member, rid: str) -> str:
        """Why the node's receipt for this hold is refused, or "" when it checks out."""
        if outcome.receipt is None:
            return ""
        try:
            check_receipt(outcome.receipt, member.member_id, member.audit_public_key, rid)
        except ReceiptRejected as exc:
            return str(exc)
        return ""

    def _settle_in(self, s: Session, x: Settlement, now: int) -> str:
        """Write one settlement in the caller's transaction; returns the hold's plan id."""
        row = s.get(orm.Reservation, x.rid)
        assert row is not None
        receipt = x.outcome.receipt if x.outcome is not None else None
        if receipt is not None and x.member is not None:
            self.ctx.trail.keep_receipt(s, x.member.member_id, x.rid, receipt, now)
        row.state, row.error, row.updated_at_ms = x.state, x.error[:2000], now
        if x.outcome is not None and x.outcome.sales_order_number:
            row.sales_order_number = x.outcome.sales_order_number
        if x.state == "confirmed" and row.confirmed_at_ms is None:
            row.confirmed_at_ms = now
        self.ctx.trail.record(
            s,
            "reservation_state",
            {
                "reservation_id": x.rid,
                "plan_id": row.plan_id,
                "demand_id": row.demand_id,
                "member_id": row.member_id,
                "state": x.state,
                "error": x.error[:500],
                "receipt": receipt_payload(receipt),
            },
            now,
        )
        return row.plan_id


@dataclass(frozen=True)
class Settlement:
    """A hold's new state, the node's answer (with its receipt) and who answered."""

    rid: str
    state: str
    error: str = ""
    outcome: ReservationData | None = None
    member: orm.Member | None = None


def _member(s: Session, member_id: str) -> orm.Member:
    row = s.get(orm.Member, member_id)
    assert row is not None, member_id
    return row
