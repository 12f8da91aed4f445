"""The reservation state machine: pending -> confirmed / released / expired."""

from __future__ import annotations

from node.service.api import PreconditionFailed, ReservationState

PENDING = ReservationState.PENDING
CONFIRMED = ReservationState.CONFIRMED
RELEASED = ReservationState.RELEASED
EXPIRED = ReservationState.EXPIRED


def is_overdue(state: ReservationState, expires_at_ms: int, now_ms: int) -> bool:
    """A pending hold whose time-to-live ran out no longer holds anything, swept or not."""
    return state is PENDING and expires_at_ms <= now_ms


def confirm_transition(
    reservation_id: str, state: ReservationState, expires_at_ms: int, now_ms: int
) -> bool:
    """True when confirming must change the state; False when it is already confirmed."""
    if state is CONFIRMED:
        return False
    if state is PENDING and not is_overdue(state, expires_at_ms, now_ms):
        return True
    if state is PENDING:
        raise PreconditionFailed(
            f"reservation {reservation_id} expired at {expires_at_ms} ms (now {now_ms} ms); "
            "reserve again"
        )
    raise PreconditionFailed(
        f"reservation {reservation_id} is {state.value} and can no longer be confirmed"
    )


def release_transition(
    reservation_id: str, state: ReservationState, expires_at_ms: int, now_ms: int
) -> ReservationState | None:
    """The state a release leads to, or None when there is nothing to do.

    Releasing a hold whose time ran out records it as expired: the units went back then.
    """
    if state is PENDING:
        return EXPIRED if is_overdue(state, expires_at_ms, now_ms) else RELEASED
    if state in (RELEASED, EXPIRED):
        return None
    raise PreconditionFailed(
        f"reservation {reservation_id} is confirmed (sales order issued) and cannot be "
        "released; return the goods instead"
    )
