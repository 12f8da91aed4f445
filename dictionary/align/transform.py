"""Reads one export cell as its element's value, following the mapping's transform."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from dictionary.align.fit import GENERIC_FALSE, GENERIC_TRUE, fold
from dictionary.align.knowledge import Knowledge
from dictionary.align.parsing import parse_date, parse_datetime, parse_number, text_of
from dictionary.align.tables import Cell
from dictionary.model import DataType, Dictionary, Element
from dictionary.values import check_value


class CellProblem(ValueError):
    """A cell that cannot be read as its element's value; the message says why."""


def read_cell(
    d: Dictionary,
    knowledge: Knowledge,
    element: Element,
    cell: Cell,
    transform: dict[str, Any],
    unit: str | None = None,
) -> object:
    """The typed value, validated against the dictionary (`InvalidValue`) or `CellProblem`."""
    value = _READERS[element.data_type](d, knowledge, element, cell, transform)
    if element.unit is not None and transform.get("unit"):
        value = _convert(d, element, value, transform["unit"], element.unit)
    if element.unit_ref == "unit_of_measure" and transform.get("unit") and unit:
        value = _convert(d, element, value, transform["unit"], unit)
    return check_value(d, element, value, _unit_to_check(element, unit))


def _unit_to_check(element: Element, unit: str | None) -> str | None:
    return unit if element.unit_ref == "unit_of_measure" else None


def _number(cell: Cell, transform: dict[str, Any]) -> Decimal:
    decimal = transform.get("decimal", ".")
    value = parse_number(cell, decimal, "." if decimal == "," else ",")
    if value is None:
        raise CellProblem(f"{text_of(cell)!r} is not a number")
    return value


def _integer(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> int:
    value = _number(cell, t)
    if value != value.to_integral_value():
        raise CellProblem(f"{text_of(cell)!r} is not a whole number")
    return int(value)


def _money(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> int:
    value = _number(cell, t) * (Decimal(10) ** (element.scale or 0))
    if value != value.to_integral_value():
        raise CellProblem(f"{text_of(cell)!r} has more than {element.scale} decimals")
    return int(value)


def _decimal(
    d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]
) -> Decimal:
    value = _number(cell, t)
    return value / 100 if t.get("percent") else value


def _date(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> date:
    value = parse_date(cell, t.get("date_format"))
    if value is None:
        raise CellProblem(
            f"{text_of(cell)!r} is not a date ({t.get('date_format') or 'YYYY-MM-DD'})"
        )
    return value


def _timestamp(
    d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]
) -> datetime:
    value = parse_datetime(cell, t.get("date_format"))
    if value is None:
        raise CellProblem(f"{text_of(cell)!r} is not a date and time")
    # Exports rarely carry a zone; the mapping may name one, UTC otherwise.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _boolean(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> bool:
    synonyms = k.for_element(element.id).values
    true = (
        {fold(v) for v in t.get("true", [])}
        | GENERIC_TRUE
        | {fold(v) for v in synonyms.get("true", [])}
    )
    false = GENERIC_FALSE | {fold(v) for v in synonyms.get("false", [])}
    text = fold(text_of(cell))
    if text in true:
        return True
    if text in false or text == "":
        return False
    raise CellProblem(f"{text_of(cell)!r} is not yes or no")


def _code(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> str:
    text = text_of(cell)
    return str(t.get("codes", {}).get(text, text))


def _text(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> str:
    return text_of(cell)


def _binary(d: Dictionary, k: Knowledge, element: Element, cell: Cell, t: dict[str, Any]) -> bytes:
    raise CellProblem("binary elements cannot be read from an export")


def _convert(d: Dictionary, element: Element, value: object, source: str, target: str) -> object:
    if source == target or not isinstance(value, int):
        return value
    a, b = d.rec20_entry(source), d.rec20_entry(target)
    if not (a and b and a.factor and b.factor and a.dimension == b.dimension):
        raise CellProblem(f"{value} {source} does not convert to {target}")
    converted = Decimal(value) * a.factor / b.factor
    if converted != converted.to_integral_value():
        raise CellProblem(f"{value} {source} is not a whole number of {target}")
    return int(converted)


_READERS = {
    DataType.STRING: _text,
    DataType.IDENTIFIER: _text,
    DataType.CODE: _code,
    DataType.INTEGER: _integer,
    DataType.QUANTITY: _integer,
    DataType.DURATION: _integer,
    DataType.MONEY: _money,
    DataType.DECIMAL: _decimal,
    DataType.DATE: _date,
    DataType.TIMESTAMP: _timestamp,
    DataType.BOOLEAN: _boolean,
    DataType.BINARY: _binary,
}
