"""Demands: validation, the idempotency fingerprint, the state machine and reservation ids."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid

import rfc8785

from pool.service.api import DemandIn, DemandLineIn, DemandStatus, InvalidInput

MAX_QUANTITY = 10**12
MAX_LINES = 1000
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")
_UNIT = re.compile(r"[A-Z0-9]{2,3}")

TERMINAL = frozenset({DemandStatus.CONFIRMED, DemandStatus.FAILED})

# Each status and the statuses it may move to; anything else is a bug in the executor.
TRANSITIONS: dict[DemandStatus, frozenset[DemandStatus]] = {
    DemandStatus.RECEIVED: frozenset({DemandStatus.QUOTING, DemandStatus.FAILED}),
    DemandStatus.QUOTING: frozenset(
        {DemandStatus.PLANNING, DemandStatus.CONFIRMING, DemandStatus.COMPENSATING}
    ),
    DemandStatus.PLANNING: frozenset(
        {
            DemandStatus.RESERVING,
            DemandStatus.CONFIRMING,
            DemandStatus.COMPENSATING,
            DemandStatus.FAILED,
        }
    ),
    DemandStatus.RESERVING: frozenset(
        {DemandStatus.QUOTING, DemandStatus.CONFIRMING, DemandStatus.COMPENSATING}
    ),
    DemandStatus.CONFIRMING: frozenset(
        {DemandStatus.QUOTING, DemandStatus.CONFIRMED, DemandStatus.COMPENSATING}
    ),
    DemandStatus.COMPENSATING: frozenset({DemandStatus.FAILED}),
    DemandStatus.CONFIRMED: frozenset(),
    DemandStatus.FAILED: frozenset(),
}

_RESERVATION_NAMESPACE = uuid.UUID("0c8b1d2e-6f0a-5a53-9a51-7a1f1c0d2b11")


def check_transition(current: DemandStatus, new: DemandStatus) -> None:
    if new not in TRANSITIONS[current]:
        raise ValueError(f"demand cannot move from {current.value} to {new.value}")


def reservation_id(plan_id: str, revision: int, member_id: str, source: str) -> str:
    """Deterministic: a retry after a crash sends the same id, so the node holds once.

    One hold per member and source: a node takes each demand line once per reservation, and
    a line may be served from both a member's stock and its production."""
    key = f"{plan_id}/{revision}/{member_id}/{source}"
    return str(uuid.uuid5(_RESERVATION_NAMESPACE, key))


def fingerprint(demand: DemandIn) -> str:
    """What an Idempotency-Key is bound to: the canonical JSON of the demand's body."""
    body = {"reference": demand.reference, "lines": [dataclasses.asdict(x) for x in demand.lines]}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def validate(demand: DemandIn, now_ms: int, known_parts: set[str] | None = None) -> None:
    """Refuse with a message the automaker can act on; known_parts=None skips that check."""
    if not demand.lines:
        raise InvalidInput("a demand needs at least one line")
    if len(demand.lines) > MAX_LINES:
        raise InvalidInput(f"a demand has at most {MAX_LINES} lines")
    if len(demand.reference) > 200:
        raise InvalidInput("reference is longer than 200 characters")
    seen: set[str] = set()
    for line in demand.lines:
        _validate_line(line, now_ms, known_parts)
        if line.line_id in seen:
            raise InvalidInput(f"line id {line.line_id!r} appears twice")
        seen.add(line.line_id)


def _validate_line(line: DemandLineIn, now_ms: int, known_parts: set[str] | None) -> None:
    where = f"line {line.line_id!r}"
    if not isinstance(line.line_id, str) or not _CODE.fullmatch(line.line_id):
        raise InvalidInput(f"line id {line.line_id!r} must be 1-200 letters, digits, . _ / -")
    if not isinstance(line.part_number, str) or not _CODE.fullmatch(line.part_number):
        raise InvalidInput(f"{where}: part number {line.part_number!r} is malformed")
    if type(line.quantity) is not int or not 0 < line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"{where}: quantity must be an integer from 1 to {MAX_QUANTITY}")
    if not isinstance(line.unit_of_measure, str) or not _UNIT.fullmatch(line.unit_of_measure):
        raise InvalidInput(f"{where}: unit {line.unit_of_measure!r} is not a UN/CEFACT code")
    if type(line.due_at_ms) is not int or line.due_at_ms <= now_ms:
        raise InvalidInput(f"{where}: due time must be in the future")
    if line.due_at_ms > now_ms + 366 * 86_400_000:
        raise InvalidInput(f"{where}: due time is more than a year ahead")
    if not isinstance(line.destination, str) or not _CODE.fullmatch(line.destination):
        raise InvalidInput(f"{where}: destination {line.destination!r} is malformed")
    if type(line.priority) is not int or not 1 <= line.priority <= 10:
        raise InvalidInput(f"{where}: priority must be from 1 to 10")
    if known_parts is not None and line.part_number not in known_parts:
        raise InvalidInput(f"{where}: part {line.part_number!r} is not pooled by any member")
