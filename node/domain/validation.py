"""Shape checks on what callers send: ids, quantities, units, time-to-live."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from node.service.api import InvalidInput

PART_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
# Lot numbers, location ids, document numbers, movement ids: printable, no spaces at the ends.
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#+-]{0,63}$")
# UN/CEFACT Recommendation 20 common codes are two or three upper-case letters or digits.
UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")

MAX_LINES = 500
MIN_TTL_S = 1
MAX_TTL_S = 7 * 24 * 3600
MAX_QUANTITY = 10**12  # far above any real order, far below int64 overflow in money math
MAX_TEXT = 256


def part_number(value: str) -> str:
    if not isinstance(value, str) or not PART_NUMBER.match(value):
        raise InvalidInput(
            f"part number {value!r} is malformed: expected 1-64 characters of "
            "letters, digits, '.', '_', '/', '-', starting with a letter or digit"
        )
    return value


def code(value: str, what: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidInput(
            f"{what} {value!r} is malformed: expected 1-64 characters of letters, digits "
            "and . _ : / # + -, starting with a letter or digit"
        )
    return value


def optional_code(value: str, what: str) -> str:
    return code(value, what) if value else value


def text(value: str, what: str, *, required: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} must be text of at most {MAX_TEXT} characters")
    if required and not value.strip():
        raise InvalidInput(f"{what} is required")
    return value


def reservation_id(value: str) -> str:
    """Reservation ids are UUIDs in canonical lower-case form."""
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput(f"reservation id {value!r} is not a UUID") from None
    return str(parsed)


def positive_quantity(value: int, what: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {value!r}")
    if value <= 0:
        raise InvalidInput(f"{what} must be positive, got {value}")
    if value > MAX_QUANTITY:
        raise InvalidInput(f"{what} {value} exceeds the maximum of {MAX_QUANTITY}")
    return value


def non_negative(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise InvalidInput(f"{what} must not be negative, got {value}")
    if value > MAX_QUANTITY * 10**6:
        raise InvalidInput(f"{what} {value} is out of range")
    return value


def unit_code(value: str) -> str:
    if not isinstance(value, str) or not UNIT_CODE.match(value):
        raise InvalidInput(
            f"unit of measure {value!r} is not a UN/CEFACT Recommendation 20 code (e.g. C62, KGM)"
        )
    return value


def same_unit(requested: str, part_unit: str, part_number: str) -> None:
    if requested != part_unit:
        raise InvalidInput(
            f"unit of measure {requested!r} does not match part {part_number}'s unit "
            f"{part_unit!r}; send quantities in {part_unit}"
        )


def currency(value: str) -> str:
    if not isinstance(value, str) or not CURRENCY.match(value):
        raise InvalidInput(f"currency {value!r} is not an ISO 4217 code")
    return value


def ttl_s(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"ttl must be an integer number of seconds, got {value!r}")
    if not MIN_TTL_S <= value <= MAX_TTL_S:
        raise InvalidInput(f"ttl {value} s is outside {MIN_TTL_S} s..{MAX_TTL_S} s (7 days)")
    return value


def line_count(count: int) -> None:
    if count == 0:
        raise InvalidInput("at least one line is required")
    if count > MAX_LINES:
        raise InvalidInput(f"{count} lines exceed the maximum of {MAX_LINES} per request")


def unique_line_ids(line_ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for line_id in line_ids:
        code(line_id, "line id")
        if line_id in seen:
            raise InvalidInput(f"line id {line_id!r} appears more than once")
        seen.add(line_id)
