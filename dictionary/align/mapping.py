"""The mapping file: which element each column carries and how to read it. Editable by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dictionary.errors import DictionaryFileError

KINDS_PATH = Path(__file__).resolve().parent.parent / "data" / "record_kinds.yaml"


class Alternative(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element: str
    confidence: float


class ColumnMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str
    element: str | None
    confidence: float = 0.0
    # How to read the cells: date_format, decimal, unit, percent, codes, true.
    transform: dict[str, Any] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    samples: list[str] = Field(default_factory=list)


class Derived(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element: str
    rule: str  # "production_date + shelf_life"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dictionary_version: str
    source: Source
    kind: str
    columns: list[ColumnMapping]
    # Values for elements the file does not carry, e.g. {currency_code: EUR}.
    defaults: dict[str, Any] = Field(default_factory=dict)
    derived: list[Derived] = Field(default_factory=list)

    def mapped(self) -> list[ColumnMapping]:
        return [c for c in self.columns if c.element]

    def elements(self) -> set[str]:
        return {c.element for c in self.columns if c.element} | {x.element for x in self.derived}

    def dump(self) -> str:
        header = (
            "# Field mapping for `alliance dict check` and `alliance dict apply`.\n"
            "# Edit freely: set `element: null` to ignore a column, change `kind`, add `defaults`\n"
            "# for elements the file lacks. evidence/alternatives/samples are for reading only.\n"
        )
        data = self.model_dump(mode="json", exclude_defaults=False)
        return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


class RecordKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    when: list[str]
    required: list[str]
    one_of: list[str] = Field(default_factory=list)
    key: list[str]


def load_mapping(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        return Mapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise DictionaryFileError(f"{path}: no such mapping file") from None
    except (ValidationError, yaml.YAMLError) as exc:
        raise DictionaryFileError(f"{path}: not a valid mapping: {exc}") from None


def record_kinds(path: Path = KINDS_PATH) -> list[RecordKind]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [RecordKind.model_validate(k) for k in data["kinds"]]


def kind_for(elements: set[str], kinds: list[RecordKind]) -> RecordKind:
    """The first kind whose `when` elements, and one of its `one_of`, are all mapped."""
    return next(
        k for k in kinds if set(k.when) <= elements and (not k.one_of or elements & set(k.one_of))
    )
