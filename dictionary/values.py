"""Checks one value against its element: data type, value domain and unit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from dictionary.errors import InvalidValue, UnitMismatch
from dictionary.model import DataType, Element

if TYPE_CHECKING:
    from dictionary.model import Dictionary


def check_value(d: Dictionary, element: Element, value: object, unit: str | None) -> object:
    normalized = _BY_TYPE[element.data_type](element, value)
    _check_domain(d, element, value, normalized)
    if unit is not None:
        _check_unit(d, element, value, unit)
    return normalized


def gs1_check_digit_ok(digits: str) -> bool:
    """GS1 modulo-10 check digit (GTIN-8/12/13/14, GLN, SSCC)."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _fail(element: Element, value: object, reason: str) -> InvalidValue:
    return InvalidValue(element.id, value, reason)


def _text(element: Element, value: object) -> str:
    if not isinstance(value, str):
        raise _fail(element, value, f"is not text ({element.data_type.value} expected)")
    return value


def _identifier(element: Element, value: object) -> str:
    text = _text(element, value)
    if not text or text != text.strip():
        raise _fail(element, value, "is empty or has surrounding spaces")
    return text


def _integer(element: Element, value: object) -> int:
    # bool is an int subclass; True is not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(element, value, f"is not an integer ({element.data_type.value} expected)")
    return value


def _decimal(element: Element, value: object) -> Decimal:
    if isinstance(value, float | bool):
        raise _fail(element, value, "is not an exact decimal (give a Decimal or a decimal string)")
    if isinstance(value, Decimal | int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise _fail(element, value, "is not a decimal string") from None
    else:
        raise _fail(element, value, "is not a decimal")
    if not result.is_finite():
        raise _fail(element, value, "is not a finite decimal")
    return result


def _date(element: Element, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _fail(element, value, "is not a valid calendar date") from None
    raise _fail(element, value, "is not an ISO 8601 date (YYYY-MM-DD)")


def _timestamp(element: Element, value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _fail(element, value, "is not an ISO 8601 timestamp") from None
    if not isinstance(value, datetime):
        raise _fail(element, value, "is not a timestamp")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fail(element, value, "has no time zone")
    return value


def _boolean(element: Element, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(element, value, "is not a boolean")
    return value


def _binary(element: Element, value: object) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise _fail(element, value, "is not bytes")
    return bytes(value)


_BY_TYPE: dict[DataType, Callable[[Element, object], object]] = {
    DataType.STRING: _text,
    DataType.IDENTIFIER: _identifier,
    DataType.CODE: _identifier,
    DataType.INTEGER: _integer,
    DataType.QUANTITY: _integer,
    DataType.MONEY: _integer,
    DataType.DURATION: _integer,
    DataType.DECIMAL: _decimal,
    DataType.DATE: _date,
    DataType.TIMESTAMP: _timestamp,
    DataType.BOOLEAN: _boolean,
    DataType.BINARY: _binary,
}


def _check_domain(d: Dictionary, element: Element, raw: object, value: object) -> None:
    vd = element.value_domain
    if (code_list := d.code_list_of(element)) is not None and code_list.entry(str(value)) is None:
        shown = ", ".join(code_list.codes[:12]) + (", ..." if len(code_list.codes) > 12 else "")
        raise _fail(element, raw, f"is not a code of {code_list.id!r} ({shown})")
    if isinstance(value, str | bytes):
        if vd.min_length is not None and len(value) < vd.min_length:
            raise _fail(element, raw, f"is shorter than {vd.min_length}")
        if vd.max_length is not None and len(value) > vd.max_length:
            raise _fail(element, raw, f"is longer than {vd.max_length}")
    if isinstance(value, str) and vd.pattern is not None and not re.fullmatch(vd.pattern, value):
        raise _fail(element, raw, f"does not match the pattern {vd.pattern}")
    if vd.check == "gs1_mod10" and not gs1_check_digit_ok(str(value)):
        raise _fail(element, raw, "has a wrong GS1 check digit")
    if isinstance(value, int | Decimal):
        if vd.min is not None and value < vd.min:
            raise _fail(element, raw, f"is below the minimum {vd.min}")
        if vd.max is not None and value > vd.max:
            raise _fail(element, raw, f"is above the maximum {vd.max}")


def _check_unit(d: Dictionary, element: Element, value: object, unit: str) -> None:
    if element.unit is not None:
        if unit != element.unit:
            raise UnitMismatch(element.id, value, unit, f"the element is in {element.unit!r}")
        return
    if element.unit_ref is not None:
        target = d.element(element.unit_ref)
        code_list = d.code_list_of(target)
        if code_list is None or code_list.entry(unit) is None:
            raise UnitMismatch(element.id, value, unit, f"not a code of {element.unit_ref!r}")
        return
    raise UnitMismatch(element.id, value, unit, "the element has no unit")
