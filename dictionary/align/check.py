"""Validates every row of an export against the dictionary through a mapping."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import dictionary
from dictionary.align.knowledge import Knowledge, default_knowledge
from dictionary.align.mapping import Mapping, RecordKind, record_kinds
from dictionary.align.parsing import text_of
from dictionary.align.tables import Table
from dictionary.align.transform import CellProblem, read_cell
from dictionary.errors import DictionaryError, InvalidValue
from dictionary.model import Dictionary, Element

FILE = 0  # row number of problems with the file or the mapping as a whole
UNIT_FIRST = ("unit_of_measure", "currency_code")  # read first: other cells depend on them


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row in the file; 0 for the file as a whole
    column: str | None
    element: str | None
    value: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == FILE else f"row {self.row}"
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class Record:
    row: int
    values: dict[str, Any]  # element -> typed value; repeatable elements keep the first column


@dataclass
class CheckReport:
    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors if e.row != FILE})

    def by_kind(self) -> Counter[str]:
        return Counter(_kind_of(e.message) for e in self.errors)


def check(
    table: Table,
    mapping: Mapping,
    d: Dictionary | None = None,
    knowledge: Knowledge | None = None,
    on_row: Callable[[int], None] | None = None,
) -> CheckReport:
    d = d or dictionary.load()
    knowledge = knowledge or default_knowledge(d)
    report = CheckReport(kind=mapping.kind)
    kind = _kind(mapping, report)
    columns = _columns(table, mapping, d, report)
    defaults = _defaults(mapping, d, knowledge, report)
    if kind is not None:
        found = {c.element for _, _, c, _ in columns} | {r.element for r in mapping.derived}
        _required_mapped(kind, found | set(defaults), report)
    if not report.ok:
        return report
    required = set(kind.required) if kind else set()
    keys: dict[tuple[Any, ...], int] = {}
    for count, (row, cells) in enumerate(table.rows(), start=1):
        report.rows = count
        if on_row is not None and count % 1000 == 0:
            on_row(count)
        values = _row(d, knowledge, row, cells, columns, required, report)
        if values is None:
            continue
        for element, value in defaults.items():
            values.setdefault(element, value)
        _derive(mapping, values)
        if kind is not None and _unique(kind, row, values, columns, keys, report):
            report.records.append(Record(row, values))
    if on_row is not None:
        on_row(report.rows)
    return report


def _kind(mapping: Mapping, report: CheckReport) -> RecordKind | None:
    kinds = {k.id: k for k in record_kinds()}
    if mapping.kind not in kinds:
        report.errors.append(
            RowError(
                FILE,
                None,
                None,
                mapping.kind,
                f"unknown kind {mapping.kind!r} ({', '.join(kinds)})",
            )
        )
        return None
    return kinds[mapping.kind]


def _columns(
    table: Table, mapping: Mapping, d: Dictionary, report: CheckReport
) -> list[tuple[int, str, Any, Element]]:
    """(index in the row, column name, column mapping) of every mapped column, units first."""
    found = []
    for column in mapping.mapped():
        if column.column not in table.columns:
            report.errors.append(
                RowError(
                    FILE,
                    column.column,
                    column.element,
                    "",
                    "the mapping names a column the file does not have",
                )
            )
            continue
        try:
            element = d.element(column.element or "")
        except DictionaryError as exc:
            report.errors.append(RowError(FILE, column.column, column.element, "", str(exc)))
            continue
        found.append((table.columns.index(column.column), column.column, column, element))
    return sorted(found, key=lambda f: f[2].element not in UNIT_FIRST)


def _defaults(
    mapping: Mapping, d: Dictionary, knowledge: Knowledge, report: CheckReport
) -> dict[str, Any]:
    """Defaults are read like cells: `unit_cost: "12.50"` becomes 12 500 000 micro-units."""
    values = {}
    for element, value in mapping.defaults.items():
        try:
            values[element] = read_cell(d, knowledge, d.element(element), value, {})
        except (DictionaryError, CellProblem) as exc:
            report.errors.append(RowError(FILE, None, element, str(value), f"default: {exc}"))
    return values


def _required_mapped(kind: RecordKind, present: set[str | None], report: CheckReport) -> None:
    for element in kind.required:
        if element not in present:
            report.errors.append(
                RowError(
                    FILE,
                    None,
                    element,
                    "",
                    f"required element {element!r} is not mapped ({kind.name})",
                )
            )
    if kind.one_of and not present & set(kind.one_of):
        report.errors.append(
            RowError(
                FILE,
                None,
                None,
                "",
                f"one of {', '.join(kind.one_of)} must be mapped ({kind.name})",
            )
        )


def _row(
    d: Dictionary,
    knowledge: Knowledge,
    row: int,
    cells: list[Any],
    columns: list[tuple[int, str, Any, Element]],
    required: set[str],
    report: CheckReport,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    bad = False
    for index, name, column, definition in columns:
        element = column.element
        cell = cells[index]
        text = text_of(cell)
        if not text:
            if element in required and element not in values:
                report.errors.append(
                    RowError(row, name, element, "", f"required {element} is empty")
                )
                bad = True
            continue
        try:
            value = read_cell(
                d,
                knowledge,
                definition,
                cell,
                column.transform,
                unit=values.get("unit_of_measure"),
            )
        except (CellProblem, InvalidValue) as exc:
            report.errors.append(
                RowError(row, name, element, text, f"{element}: {_reason(exc, text)}")
            )
            bad = True
            continue
        values.setdefault(element, value)
    return None if bad else values


def _reason(exc: Exception, text: str) -> str:
    return f"{text!r} {exc.reason}" if isinstance(exc, InvalidValue) else str(exc)


def _derive(mapping: Mapping, values: dict[str, Any]) -> None:
    for rule in mapping.derived:
        if rule.element == "expiry_date" and "expiry_date" not in values:
            produced, days = values.get("production_date"), values.get("shelf_life")
            if isinstance(produced, date) and isinstance(days, int):
                values["expiry_date"] = produced + timedelta(days=days)


def _unique(
    kind: RecordKind,
    row: int,
    values: dict[str, Any],
    columns: list[tuple[int, str, Any, Element]],
    keys: dict[tuple[Any, ...], int],
    report: CheckReport,
) -> bool:
    mapped = {c.element for _, _, c, _ in columns}
    key_elements = [e for e in kind.key if e in mapped]
    if not key_elements:
        return True
    key = tuple(values.get(e) for e in key_elements)
    if key in keys:
        names = [n for _, n, c, _ in columns if c.element in key_elements]
        shown = ", ".join(f"{e}={v}" for e, v in zip(key_elements, key, strict=True))
        report.errors.append(
            RowError(
                row,
                " + ".join(dict.fromkeys(names)),
                None,
                shown,
                f"duplicate key ({shown}), first in row {keys[key]}",
            )
        )
        return False
    keys[key] = row
    return True


def _kind_of(message: str) -> str:
    for marker, kind in (
        ("duplicate key", "duplicate key"),
        ("is empty", "missing value"),
        ("is not a code", "not in code list"),
        ("in unit", "unit mismatch"),
        ("not a number", "not a number"),
        ("whole number", "not a whole number"),
        ("not a date", "bad date"),
        ("below the minimum", "out of range"),
        ("above the maximum", "out of range"),
        ("pattern", "bad format"),
        ("check digit", "bad check digit"),
        ("not mapped", "element not mapped"),
    ):
        if marker in message:
            return kind
    return "other"
