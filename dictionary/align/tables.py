"""Reads CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX exports as header + rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

Cell = str | int | float | date | datetime | None

# Tried in order: BOM first, then strict UTF-8, then the Chinese national encoding (a superset
# of GBK), so a GBK file never decodes as UTF-8 by accident (invalid UTF-8 fails fast).
ENCODINGS = ("utf-8-sig", "gb18030")
DELIMITERS = ",;\t|"
HEADER_SCAN_ROWS = 10


class TableError(Exception):
    """The file cannot be read as a table."""


@dataclass
class Table:
    """An export: where it came from, its header, and a way to iterate its data rows."""

    path: Path
    columns: list[str]
    header_row: int  # 1-based line/row number of the header in the file
    encoding: str | None = None  # None for XLSX
    delimiter: str | None = None
    sheet: str | None = None
    _rows: list[list[Cell]] | None = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(1-based row number in the file, cells) of every non-empty data row."""
        source = self._rows if self._rows is not None else _read_all(self)
        for offset, cells in enumerate(source[self.header_row :], start=self.header_row + 1):
            if any(not _blank(c) for c in cells):
                width = len(self.columns)
                yield offset, (list(cells) + [None] * width)[:width]


def read_table(path: str | Path, *, sheet: str | None = None) -> Table:
    path = Path(path)
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, sheet)
    return _read_csv(path)


def decode(data: bytes, name: str = "file") -> tuple[str, str]:
    """The text and the encoding it was in."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            return text, "utf-8-sig"
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise TableError(f"{name}: neither UTF-8 nor GBK/GB18030 text")


def _read_csv(path: Path) -> Table:
    text, encoding = decode(path.read_bytes(), str(path))
    head = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    delimiter = _delimiter(head)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Cell]] = [list(r) for r in reader]
    header_row = _header_row(rows)
    columns = _columns(rows[header_row - 1] if rows else [])
    return Table(path, columns, header_row, encoding, delimiter, None, rows)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise TableError(f"{path}: not a readable XLSX workbook ({exc})") from None
    ws = book[sheet] if sheet else book.worksheets[0]
    rows: list[list[Cell]] = [list(r) for r in ws.iter_rows(values_only=True)]
    book.close()
    header_row = _header_row(rows)
    columns = _columns(rows[header_row - 1] if rows else [])
    return Table(path, columns, header_row, None, None, ws.title, rows)


def _read_all(table: Table) -> list[list[Cell]]:
    return read_table(table.path, sheet=table.sheet)._rows or []


def _delimiter(head: str) -> str:
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: head.count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _header_row(rows: list[list[Cell]]) -> int:
    """The first row that looks like a header: most cells filled with text, as wide as the data.
    Hand-kept sheets often start with a title line above the header."""
    scan = rows[:HEADER_SCAN_ROWS]
    if not scan:
        return 1
    width = max(sum(not _blank(c) for c in r) for r in scan)
    for number, cells in enumerate(scan, start=1):
        filled = [c for c in cells if not _blank(c)]
        textual = sum(isinstance(c, str) and not _numeric(c) for c in filled)
        if len(filled) >= max(2, 0.6 * width) and textual >= 0.8 * len(filled):
            return number
    return 1


def _columns(header: list[Cell]) -> list[str]:
    """Header names, trimmed; blank or repeated names made unique so each column is addressable."""
    names: list[str] = []
    last = max((i for i, c in enumerate(header) if not _blank(c)), default=-1)
    for index, cell in enumerate(header[: last + 1], start=1):
        name = " ".join(str(cell).split()) if not _blank(cell) else f"column {index}"
        while name in names:
            name = f"{name} ({index})"
        names.append(name)
    return names


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _numeric(text: str) -> bool:
    return text.strip().replace(".", "", 1).replace(",", "").replace("-", "", 1).isdigit()
