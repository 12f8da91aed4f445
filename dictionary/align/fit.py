"""How well a column's values fit an element, and the transform they would need."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dictionary.align.knowledge import Knowledge, SynonymFile
from dictionary.align.names import Header
from dictionary.align.profile import ColumnProfile
from dictionary.model import DataType, Dictionary, Element
from dictionary.values import gs1_check_digit_ok

NUMERIC_TYPES = {DataType.INTEGER, DataType.QUANTITY, DataType.MONEY, DataType.DURATION}
GENERIC_TRUE = {"x", "1", "y", "yes", "true", "是", "ja", "j", "wahr", "t"}
GENERIC_FALSE = {"0", "n", "no", "false", "否", "nein", "f", "-"}


@dataclass
class Fit:
    score: float  # 0..1, 0.5 when the values say nothing (empty column)
    notes: list[str] = field(default_factory=list)
    transform: dict[str, Any] = field(default_factory=dict)
    bonus: float = 0.0
    factor: float = 1.0  # how far the values have the shape typical of the element


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def code_lookup(d: Dictionary, element: Element, synonyms: SynonymFile) -> dict[str, str]:
    """Source value (folded) -> code, from the code list's codes and labels and the synonyms."""
    lookup: dict[str, str] = {}
    code_list = d.code_list_of(element)
    if code_list is not None:
        lookup.update({fold(entry.code): entry.code for entry in code_list.entries})
    for code, aliases in synonyms.values.items():  # the alliance's knowledge before labels
        for alias in aliases:
            lookup.setdefault(fold(alias), code)
    for entry in code_list.entries if code_list is not None else []:
        for text in (entry.en, entry.zh):
            lookup.setdefault(fold(text), entry.code)
    return lookup


def header_unit(header: Header, d: Dictionary, knowledge: Knowledge) -> str | None:
    """A Rec 20 unit code named in the header's brackets: "(weeks)" -> WEE, "(天)" -> DAY."""
    words: dict[str, str] = {}
    for code, names in knowledge.unit_words.items():
        words.update({fold(n): code for n in names})
    words.update(
        code_lookup(d, d.element("unit_of_measure"), knowledge.for_element("unit_of_measure"))
    )
    for hint in header.hints:
        if fold(hint) in words:
            return words[fold(hint)]
        if d.rec20_entry(hint.upper()) is not None:
            return hint.upper()
    return None


def value_fit(
    p: ColumnProfile, element: Element, d: Dictionary, knowledge: Knowledge, header: Header
) -> Fit:
    if p.empty:
        return Fit(0.5, ["column is empty"])
    synonyms = knowledge.for_element(element.id)
    fit = _BY_TYPE[element.data_type](p, element, d, synonyms)
    if synonyms.value_patterns:
        # Values of the usual shape settle names that two elements share (库位: bin or warehouse).
        matched = p.fraction(lambda t: any(re.search(r, t) for r in synonyms.value_patterns))
        fit.factor = 0.8 + 0.2 * matched
        fit.notes.append(f"{matched:.0%} of values have the shape usual for {element.id}")
    _units(fit, p, element, d, knowledge, header)
    return fit


def _units(
    fit: Fit,
    p: ColumnProfile,
    element: Element,
    d: Dictionary,
    knowledge: Knowledge,
    header: Header,
) -> None:
    if element.data_type not in NUMERIC_TYPES | {DataType.DECIMAL}:
        return
    unit = header_unit(header, d, knowledge)
    if "%" in header.raw and element.data_type is DataType.DECIMAL:
        fit.transform["percent"] = True
    if element.data_type is DataType.MONEY:
        currencies = d.code_list("currency")
        if code := next((h.upper() for h in header.hints if currencies.entry(h.upper())), None):
            fit.transform["currency"] = code
            fit.notes.append(f"header gives the currency {code}")
    if unit is None:
        return
    if element.unit is not None and unit != element.unit:
        source, target = d.rec20_entry(unit), d.rec20_entry(element.unit)
        if source and target and source.dimension == target.dimension and source.factor:
            fit.transform["unit"] = unit
            fit.notes.append(f"header gives {unit}: convert to {element.unit}")
        else:
            fit.score *= 0.3
            fit.notes.append(f"header gives {unit}, which does not convert to {element.unit}")
    elif element.unit_ref == "unit_of_measure":
        fit.transform["unit"] = unit
        fit.notes.append(f"header gives the quantity unit {unit}")


def _numbers(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    fit = Fit(p.numeric)
    commas = p.decimal == "," and any("," in t or "." in t for t in p.texts)
    if p.numeric < 0.9:
        fit.notes.append(f"only {p.numeric:.0%} of values are numbers")
        return fit
    if commas:
        fit.transform["decimal"] = ","
        fit.notes.append("decimal comma")
    if element.data_type is not DataType.MONEY and p.integral < 1:
        # Proportional: a few bad cells are for `check` to report, not a reason to unmap.
        fit.score *= p.integral
        fit.notes.append(f"{1 - p.integral:.0%} of values are not whole numbers")
    if p.dates > 0.5:
        fit.score *= 0.3
    vd = element.value_domain
    if p.negative and vd.min is not None and vd.min >= 0:
        fit.score *= 1 - p.negative if p.negative < 0.2 else 0.5
        fit.notes.append(f"{p.negative:.0%} negative values where the element has none")
    if p.negative and vd.min is None and element.data_type is DataType.QUANTITY:
        fit.bonus += 0.1
        fit.notes.append("signed values: movements")
    if vd.max is not None and p.maximum is not None and p.maximum > vd.max:
        fit.score *= 0.5
        fit.notes.append(f"values up to {p.maximum} exceed the maximum {vd.max}")
    if element.data_type is DataType.MONEY:
        fit.notes.append("amount in currency units: stored as micro-units")
    return fit


def _decimal(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    fit = Fit(p.numeric)
    if p.decimal == "," and any("," in t or "." in t for t in p.texts):
        fit.transform["decimal"] = ","
    vd = element.value_domain
    if vd.max is not None and vd.max <= 1 and p.maximum is not None and 1 < p.maximum <= 100:
        fit.transform["percent"] = True
        fit.notes.append("percent: divided by 100")
    return fit


def _date(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    fit = Fit(p.dates, transform={"date_format": p.date_format} if p.date_format else {})
    if p.dates >= 0.9:
        fit.notes.append(f"dates ({p.date_format})")
    if p.with_time and element.data_type is DataType.DATE:
        fit.score *= 0.85
    # Excel serial day numbers: 1990-01-01 is 32874, 2100-01-01 is 73051.
    serial = p.minimum is not None and Decimal(30000) <= p.minimum and (p.maximum or 0) <= 80000
    if p.dates < 0.9 and p.numeric > 0.9 and serial:
        fit = Fit(0.8, ["Excel serial dates"], {"date_format": "excel"})
    return fit


def _timestamp(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    fit = _date(p, element, d, s)
    if not p.with_time:
        fit.score *= 0.8
    return fit


def _boolean(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    true = GENERIC_TRUE | {fold(v) for v in s.values.get("true", [])}
    false = GENERIC_FALSE | {fold(v) for v in s.values.get("false", [])}
    read = p.fraction(lambda t: fold(t) in true | false)
    seen_true = sorted({t for t in p.texts if fold(t) in true})[:5]
    transform = {"true": seen_true} if read >= 0.9 else {}
    # Booleans have few distinct values; a column of many distinct numbers is not one.
    score = read if p.distinct <= 4 else read * 0.3
    return Fit(score, [f"{read:.0%} of values read as yes/no"], transform)


def _code(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    lookup = code_lookup(d, element, s)
    distinct = sorted(set(p.texts))
    mapped = {t: lookup[fold(t)] for t in distinct if fold(t) in lookup}
    read = p.fraction(lambda t: fold(t) in lookup)
    fit = Fit(read, [f"{read:.0%} of values are codes of {element.value_domain.code_list}"])
    changes = {t: c for t, c in mapped.items() if t != c}
    if changes:
        fit.transform["codes"] = changes
    if unmapped := [t for t in distinct if t not in mapped][:5]:
        fit.notes.append(f"no code for {', '.join(map(repr, unmapped))}")
    return fit


def _identifier(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    fit = Fit(1.0)
    if p.dates > 0.5:
        fit.score = 0.3
        fit.notes.append("values are dates")
    elif p.numeric > 0.5 and p.integral < 0.5:
        fit.score = 0.3
        fit.notes.append("values are decimal numbers")
    elif p.spaced > 0.5 and p.mean_length > 25:
        fit.score = 0.5
        fit.notes.append("values look like free text")
    vd = element.value_domain
    if vd.pattern is not None:
        matched = p.fraction(lambda t: re.fullmatch(vd.pattern or "", t) is not None)
        fit.score *= 0.3 + 0.7 * matched
        fit.notes.append(f"{matched:.0%} of values match the element's pattern")
    if vd.check == "gs1_mod10":
        valid = p.fraction(gs1_check_digit_ok)
        fit.score *= valid
        fit.notes.append(f"{valid:.0%} of values have a valid GS1 check digit")
    if vd.max_length is not None and p.texts and max(len(t) for t in p.texts) > vd.max_length:
        fit.score *= 0.5
        fit.notes.append(f"values longer than {vd.max_length}")
    return fit


def _text(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    # Free text has words (spaces or Chinese characters); codes such as "L2503-017" do not.
    wordy = max(p.spaced, p.cjk)
    score = 0.2 + 0.3 * p.lettered + 0.5 * wordy
    if p.dates > 0.5:
        score = 0.2
    return Fit(score, [f"{wordy:.0%} of values are words, {p.lettered:.0%} have letters"])


def _binary(p: ColumnProfile, element: Element, d: Dictionary, s: SynonymFile) -> Fit:
    return Fit(0.0, ["binary values do not come in exports"])


_BY_TYPE = {
    DataType.STRING: _text,
    DataType.IDENTIFIER: _identifier,
    DataType.CODE: _code,
    DataType.INTEGER: _numbers,
    DataType.QUANTITY: _numbers,
    DataType.MONEY: _numbers,
    DataType.DURATION: _numbers,
    DataType.DECIMAL: _decimal,
    DataType.DATE: _date,
    DataType.TIMESTAMP: _timestamp,
    DataType.BOOLEAN: _boolean,
    DataType.BINARY: _binary,
}
