"""Reading typed values out of export cells: numbers in any notation, dates in many formats."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dictionary.align.tables import Cell

# Tried in this order; the first format that reads every sampled value wins. Day-first before
# month-first: exports from Europe and China rarely put the month first.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y年%m月%d日",
    "%d.%m.%y",
)
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
)
EXCEL_EPOCH = date(1899, 12, 30)
_DATEISH = re.compile(
    r"^(\d{1,4}[-./年]\d{1,2}[-./月]\d{1,4}日?|(19|20)\d{6})([ T]\d{1,2}:\d{2}(:\d{2})?)?$"
)
_NUMBER = re.compile(r"^[-+]?[\d.,' ]*\d[-]?$")


def text_of(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


_COMMA_DECIMAL = [
    re.compile(p)
    for p in (
        r"\d{1,3}(\.\d{3})+,\d+",
        r"\d+,\d{1,2}",
        r"\d+,\d{4,}",
        r"\d{4,},\d+",
        r"\d{1,3}(\.\d{3}){2,}",
    )
]
_DOT_DECIMAL = [
    re.compile(p)
    for p in (
        r"\d{1,3}(,\d{3})+\.\d+",
        r"\d+\.\d{1,2}",
        r"\d+\.\d{4,}",
        r"\d{4,}\.\d+",
        r"\d{1,3}(,\d{3}){2,}",
    )
]


def number_format(texts: Sequence[str]) -> tuple[str, str] | None:
    """(decimal separator, thousands separator) that reads the numbers of a column, or None
    when nothing decides: "120,000" says nothing alone; "1.250,000" or "12,5" says comma."""
    comma = dot = 0
    for text in texts:
        t = text.strip().lstrip("+-").rstrip("-")
        comma += any(p.fullmatch(t) for p in _COMMA_DECIMAL)
        dot += any(p.fullmatch(t) for p in _DOT_DECIMAL)
    if comma == dot:
        return None
    return (",", ".") if comma > dot else (".", ",")


def parse_number(cell: Cell, decimal: str = ".", thousands: str = ",") -> Decimal | None:
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))
    if isinstance(cell, date):
        return None
    text = str(cell).strip().replace(" ", "").replace("'", "")
    if not text or not _NUMBER.match(text):
        return None
    if text.endswith("-"):  # SAP prints negative numbers with a trailing minus
        text = "-" + text[:-1]
    text = text.replace(thousands, "").replace(decimal, ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def date_format(texts: Sequence[str]) -> str | None:
    """The first format that reads every value, or None."""
    candidates = [t for t in texts if t]
    if not candidates:
        return None
    for fmt in DATE_FORMATS + DATETIME_FORMATS:
        if all(_strptime(t, fmt) is not None for t in candidates):
            return fmt
    return None


def parse_date(cell: Cell, fmt: str | None) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and fmt == "excel":
        return EXCEL_EPOCH + timedelta(days=int(cell))
    text = text_of(cell)
    if not text:
        return None
    parsed = _strptime(text, fmt) if fmt and fmt != "excel" else None
    if parsed is None:  # a hand-kept sheet may mix formats: try them all
        for candidate in DATE_FORMATS + DATETIME_FORMATS:
            if (parsed := _strptime(text, candidate)) is not None:
                break
    return parsed.date() if parsed is not None else None


def parse_datetime(cell: Cell, fmt: str | None) -> datetime | None:
    if isinstance(cell, datetime):
        return cell
    text = text_of(cell)
    if fmt and fmt != "excel" and (parsed := _strptime(text, fmt)) is not None:
        return parsed
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        day = parse_date(cell, fmt)
        return datetime(day.year, day.month, day.day) if day is not None else None


def looks_like_date(text: str) -> bool:
    return bool(_DATEISH.match(text)) and parse_date(text, None) is not None


def _strptime(text: str, fmt: str) -> datetime | None:
    try:
        parsed = datetime.strptime(text, fmt)
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 2200 else None
