"""What a column's values look like: numbers, dates, codes, identifiers or text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from dictionary.align.parsing import (
    date_format,
    looks_like_date,
    number_format,
    parse_number,
    text_of,
)
from dictionary.align.tables import Cell

_CJK = re.compile(r"[\u3400-\u9fff]")
_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")


@dataclass
class ColumnProfile:
    column: str
    cells: list[Cell]  # the sampled non-blank cells
    blank: int = 0
    texts: list[str] = field(default_factory=list)
    numbers: list[Decimal | None] = field(default_factory=list)
    decimal: str = "."
    thousands: str = ","
    numeric: float = 0.0  # fraction of cells that read as numbers
    integral: float = 0.0  # fraction of the numbers that are whole
    negative: float = 0.0
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    date_format: str | None = None
    dates: float = 0.0  # fraction of cells that read as dates
    with_time: bool = False  # dates carry a time of day other than midnight
    lettered: float = 0.0  # fraction with letters
    cjk: float = 0.0
    spaced: float = 0.0  # fraction with inner spaces (free text)
    distinct: int = 0
    mean_length: float = 0.0

    @property
    def count(self) -> int:
        return len(self.cells)

    @property
    def empty(self) -> bool:
        return not self.cells

    def samples(self, n: int = 4) -> list[str]:
        seen: list[str] = []
        for text in self.texts:
            if text not in seen:
                seen.append(text)
            if len(seen) == n:
                break
        return seen

    def fraction(self, predicate: Callable[[str], object]) -> float:
        if not self.texts:
            return 0.0
        return sum(1 for t in self.texts if predicate(t)) / len(self.texts)


def file_number_format(columns: list[list[Cell]]) -> tuple[str, str]:
    """The notation most columns of a file that decide use; a file rarely mixes them."""
    votes = [number_format([text_of(c) for c in cells if text_of(c)]) for cells in columns]
    decided = [v for v in votes if v is not None]
    return max(set(decided), key=decided.count) if decided else (".", ",")


def profile(
    column: str, cells: list[Cell], file_format: tuple[str, str] = (".", ",")
) -> ColumnProfile:
    present = [c for c in cells if text_of(c)]
    p = ColumnProfile(column, present, blank=len(cells) - len(present))
    if not present:
        return p
    p.texts = [text_of(c) for c in present]
    n = len(present)
    p.decimal, p.thousands = number_format(p.texts) or file_format
    p.numbers = [
        None
        if isinstance(c, str) and looks_like_date(c)
        else parse_number(c, p.decimal, p.thousands)
        for c in present
    ]
    values = [v for v in p.numbers if v is not None]
    p.numeric = len(values) / n
    if values:
        p.integral = sum(v == v.to_integral_value() for v in values) / len(values)
        p.negative = sum(v < 0 for v in values) / len(values)
        p.minimum, p.maximum = min(values), max(values)
    _dates(p, present)
    p.lettered = sum(bool(_LETTER.search(t)) for t in p.texts) / n
    p.cjk = sum(bool(_CJK.search(t)) for t in p.texts) / n
    p.spaced = sum(" " in t.strip() for t in p.texts) / n
    p.distinct = len(set(p.texts))
    p.mean_length = sum(len(t) for t in p.texts) / n
    return p


def _dates(p: ColumnProfile, present: list[Cell]) -> None:
    native = [c for c in present if isinstance(c, date)]
    if len(native) == len(present):
        p.dates, p.date_format = 1.0, "native"
        p.with_time = any(
            isinstance(c, datetime) and c.time() != datetime.min.time() for c in native
        )
        return
    texts = [text_of(c) for c in present if not isinstance(c, date)]
    dateish = [t for t in texts if looks_like_date(t)]
    if not dateish:
        return
    p.dates = (len(dateish) + len(native)) / len(present)
    p.date_format = date_format(dateish) or "mixed"
    p.with_time = any(":" in t and not t.endswith("00:00:00") for t in dateish)
