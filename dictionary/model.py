"""The data dictionary's shape (ISO/IEC 11179 style), validated when the data file is loaded."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class DataType(StrEnum):
    """The dictionary's data types; the contract test maps each onto protobuf field types."""

    STRING = "string"  # free text
    IDENTIFIER = "identifier"  # a key chosen by someone: part number, lot number, uuid
    CODE = "code"  # one value of a code list
    INTEGER = "integer"  # a plain count or index
    QUANTITY = "quantity"  # an integer amount in the unit named by `unit`/`unit_ref`
    MONEY = "money"  # integer minor units (10^-scale) of the currency named by `unit_ref`
    DECIMAL = "decimal"  # exact decimal, carried as a decimal string
    DATE = "date"  # ISO 8601 calendar date
    TIMESTAMP = "timestamp"  # instant with a time zone
    DURATION = "duration"  # integer length of time in the element's fixed time unit
    BOOLEAN = "boolean"
    BINARY = "binary"


NUMERIC = {DataType.INTEGER, DataType.QUANTITY, DataType.MONEY, DataType.DECIMAL, DataType.DURATION}
TEXTUAL = {DataType.STRING, DataType.IDENTIFIER}
SIZED = TEXTUAL | {DataType.BINARY}


class Status(StrEnum):
    STANDARD = "standard"
    CANDIDATE = "candidate"
    DEPRECATED = "deprecated"


ReferenceSystem = Literal[
    "gs1",
    "eclass",
    "iso_22745",
    "catena_x",
    "unece",
    "iso",
    "sap",
    "odoo",
    "erpnext",
    "kingdee",
    "yonyou",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """The same text in English and in Chinese."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class CodeListEntry(_Strict):
    code: str = Field(min_length=1)
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    # For unit codes: what the unit measures, and how many base units of that dimension it is.
    dimension: str | None = None
    factor: Decimal | None = None

    @model_validator(mode="after")
    def _factor_needs_dimension(self) -> CodeListEntry:
        if self.factor is not None and self.dimension is None:
            raise ValueError(f"code {self.code!r}: a factor needs a dimension")
        return self


class CodeList(_Strict):
    id: str = Field(pattern=IDENTIFIER)
    name: Text
    source: str
    # True when the codes are UN/CEFACT Recommendation 20 unit codes.
    rec20: bool = False
    # Full name of the protobuf enum carrying this list, e.g. "alliance.v1.ReservationState".
    proto_enum: str | None = None
    entries: list[CodeListEntry] = Field(min_length=1)

    @field_validator("entries")
    @classmethod
    def _unique_codes(cls, entries: list[CodeListEntry]) -> list[CodeListEntry]:
        seen: set[str] = set()
        for entry in entries:
            if entry.code in seen:
                raise ValueError(f"duplicate code {entry.code!r}")
            seen.add(entry.code)
        return entries

    @property
    def codes(self) -> list[str]:
        return [entry.code for entry in self.entries]

    def entry(self, code: str) -> CodeListEntry | None:
        return next((entry for entry in self.entries if entry.code == code), None)

    def proto_enum_value_names(self) -> dict[str, str]:
        """Enum value name -> code (`ReservationState`, `pending`: `RESERVATION_STATE_PENDING`)."""
        if self.proto_enum is None:
            return {}
        short = self.proto_enum.rsplit(".", 1)[-1]
        prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", short).upper()
        return {f"{prefix}_{entry.code.upper()}": entry.code for entry in self.entries}


class ValueDomain(_Strict):
    pattern: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    code_list: str | None = None
    # A check digit the value must carry (GS1 GTIN/GLN modulo 10).
    check: Literal["gs1_mod10"] | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _bounds_ordered(self) -> ValueDomain:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        if (
            self.min_length is not None
            and self.max_length is not None
            and self.min_length > self.max_length
        ):
            raise ValueError(f"min_length {self.min_length} is greater than max_length")
        return self


class Reference(_Strict):
    """Where an element maps in a standard or a common system."""

    system: ReferenceSystem
    ref: str = Field(min_length=1)
    note: str | None = None
    # True when the exact identifier (URN, IRDI, column) is our best knowledge, not verified.
    approximate: bool = False


class Element(_Strict):
    id: str = Field(pattern=IDENTIFIER)
    version: int = Field(ge=1)
    name: Text
    definition: Text
    data_type: DataType
    # A fixed UN/CEFACT Rec 20 unit code (e.g. DAY), for elements always in one unit.
    unit: str | None = None
    # The element whose value, in the same record, names the unit: unit_of_measure for
    # quantities ("the part's unit"), currency_code for money.
    unit_ref: str | None = None
    # For rates: the time unit the amount is per (capacity per DAY).
    per: str | None = None
    # Money only: the value is an integer count of 10^-scale currency units (6: micros).
    scale: int | None = Field(default=None, ge=0, le=9)
    value_domain: ValueDomain = ValueDomain()
    status: Status
    exchanged: bool
    references: list[Reference] = []

    @model_validator(mode="after")
    def _consistent(self) -> Element:
        problems = _element_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _element_problems(e: Element) -> list[str]:
    t, vd = e.data_type, e.value_domain
    problems: list[str] = []
    if (t is DataType.CODE) != (vd.code_list is not None):
        problems.append("a code list goes with data type 'code', and only with it")
    if vd.pattern is not None and t not in TEXTUAL:
        problems.append(f"a pattern does not apply to data type {t.value!r}")
    if (vd.min is not None or vd.max is not None) and t not in NUMERIC:
        problems.append(f"min/max do not apply to data type {t.value!r}")
    if (vd.min_length is not None or vd.max_length is not None) and t not in SIZED:
        problems.append(f"lengths do not apply to data type {t.value!r}")
    if vd.check is not None and t is not DataType.IDENTIFIER:
        problems.append("a check digit applies to identifiers only")
    if e.unit is not None and e.unit_ref is not None:
        problems.append("give either a fixed unit or unit_ref, not both")
    if t is DataType.DURATION and e.unit is None:
        problems.append("a duration needs a fixed time unit")
    if t is DataType.QUANTITY and e.unit_ref is None and e.unit is None:
        problems.append("a quantity needs its unit: unit_ref (the part's unit) or a fixed unit")
    if t is DataType.MONEY and (e.unit_ref is None or e.scale is None):
        problems.append("money needs unit_ref (its currency element) and scale")
    if t is not DataType.MONEY and e.scale is not None:
        problems.append("scale applies to money only")
    if e.unit is not None and t not in NUMERIC:
        problems.append(f"a unit does not apply to data type {t.value!r}")
    if e.unit_ref is not None and t not in {DataType.QUANTITY, DataType.MONEY}:
        problems.append("unit_ref applies to quantity and money only")
    if e.per is not None and e.unit_ref is None:
        problems.append("'per' applies to rates of a quantity or money with unit_ref")
    return problems


class Dictionary(_Strict):
    """The whole dictionary: a semver version, code lists and elements."""

    version: str = Field(pattern=SEMVER)
    code_lists: list[CodeList]
    elements: list[Element] = Field(min_length=1)

    _elements: dict[str, Element] = PrivateAttr(default_factory=dict)
    _code_lists: dict[str, CodeList] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_checks(self) -> Dictionary:
        problems = _duplicates("element", [e.id for e in self.elements])
        problems += _duplicates("code list", [c.id for c in self.code_lists])
        if problems:
            raise ValueError("; ".join(problems))
        self._elements = {e.id: e for e in self.elements}
        self._code_lists = {c.id: c for c in self.code_lists}
        for element in self.elements:
            problems += [f"element {element.id!r}: {p}" for p in self._reference_problems(element)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _reference_problems(self, e: Element) -> list[str]:
        problems: list[str] = []
        if (
            e.value_domain.code_list is not None
            and e.value_domain.code_list not in self._code_lists
        ):
            problems.append(f"code list {e.value_domain.code_list!r} is not defined")
        if e.unit is not None:
            entry = self.rec20_entry(e.unit)
            if entry is None:
                problems.append(f"unit {e.unit!r} is not a known UN/CEFACT Rec 20 code")
            elif e.data_type is DataType.DURATION and entry.dimension != "time":
                problems.append(f"unit {e.unit!r} of a duration is not a time unit")
        if e.per is not None:
            entry = self.rec20_entry(e.per)
            if entry is None or entry.dimension != "time":
                problems.append(f"per {e.per!r} is not a Rec 20 time unit")
        if e.unit_ref is not None:
            target = self._elements.get(e.unit_ref)
            if target is None or target.data_type is not DataType.CODE:
                problems.append(f"unit_ref {e.unit_ref!r} is not a code element")
        return problems

    def rec20_entry(self, code: str) -> CodeListEntry | None:
        """The entry for a UN/CEFACT Rec 20 unit code in any of the dictionary's unit lists."""
        for code_list in self.code_lists:
            if code_list.rec20 and (entry := code_list.entry(code)) is not None:
                return entry
        return None

    def element(self, element_id: str) -> Element:
        try:
            return self._elements[element_id]
        except KeyError:
            from difflib import get_close_matches

            from dictionary.errors import UnknownElement

            close = get_close_matches(element_id, list(self._elements), n=1)
            raise UnknownElement(element_id, close[0] if close else None) from None

    def has_element(self, element_id: str) -> bool:
        return element_id in self._elements

    def code_list(self, code_list_id: str) -> CodeList:
        return self._code_lists[code_list_id]

    def code_list_of(self, element: Element) -> CodeList | None:
        cid = element.value_domain.code_list
        return self._code_lists[cid] if cid is not None else None

    def validate_value(self, element_id: str, value: object, *, unit: str | None = None) -> object:
        """The value, normalized (dates as `date`, decimals as `Decimal`), or `InvalidValue`."""
        from dictionary.values import check_value

        return check_value(self, self.element(element_id), value, unit)


def _duplicates(kind: str, ids: list[str]) -> list[str]:
    counts = Counter(ids)
    return [f"duplicate {kind} id {i!r}" for i in sorted(i for i, n in counts.items() if n > 1)]
