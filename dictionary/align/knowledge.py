"""Synonym and abbreviation knowledge: one data file per element, checked against the dictionary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dictionary.errors import DictionaryFileError
from dictionary.model import DataType, Dictionary

DATA = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_DIR = DATA / "synonyms"
UNIT_WORDS_PATH = DATA / "unit_words.yaml"

Category = Literal["en", "de", "zh", "sap", "pinyin", "fields"]


class SynonymFile(BaseModel):
    """What a column holding one element tends to be called, and what its values look like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    element: str
    names: dict[Category, list[str]] = {}
    # Names that fit only when the values agree (ambiguous across systems).
    weak_names: list[str] = []
    # Code elements: code -> source values meaning it. Booleans: "true"/"false" -> values.
    values: dict[str, list[str]] = {}
    # Regular expressions values of this element often match (evidence, never a rule).
    value_patterns: list[str] = []
    # Elements whose presence in the same file makes this one likelier (element -> bonus).
    with_elements: dict[str, float] = {}
    # Identities with other quantity columns: [a, -b] means this column == a - b.
    relations: list[list[str]] = []
    # The element may be carried by several columns of one file (from/to bins).
    repeatable: bool = False
    # Distinctive enough that the values alone may propose it when no name matches.
    value_only: bool = False

    @field_validator("value_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns


class Knowledge(BaseModel):
    model_config = ConfigDict(frozen=True)

    by_element: dict[str, SynonymFile]
    unit_words: dict[str, list[str]] = Field(default_factory=dict)

    def for_element(self, element_id: str) -> SynonymFile:
        return self.by_element.get(element_id) or SynonymFile(element=element_id)


def load_knowledge(
    d: Dictionary, directory: Path = SYNONYMS_DIR, unit_words: Path = UNIT_WORDS_PATH
) -> Knowledge:
    files: dict[str, SynonymFile] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            # BaseLoader keeps every scalar a string: "no", "y" and "1" are source values here.
            data = yaml.load(path.read_text("utf-8"), Loader=yaml.BaseLoader)  # noqa: S506
            synonyms = SynonymFile.model_validate(data)
        except (ValidationError, yaml.YAMLError, re.error) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if path.stem != synonyms.element:
            problems.append(f"{path.name}: names element {synonyms.element!r}, not {path.stem!r}")
        problems += [f"{path.name}: {p}" for p in _problems(d, synonyms)]
        files[synonyms.element] = synonyms
    if problems:
        raise DictionaryFileError("synonym files:\n  " + "\n  ".join(problems))
    words = (
        yaml.load(unit_words.read_text("utf-8"), Loader=yaml.BaseLoader)
        if unit_words.exists()
        else {}
    )  # noqa: S506
    return Knowledge(
        by_element=files, unit_words={k: [str(w) for w in v] for k, v in words.items()}
    )


_CACHE: dict[int, tuple[Dictionary, Knowledge]] = {}


def default_knowledge(d: Dictionary) -> Knowledge:
    """The alliance's knowledge files, loaded once per dictionary object."""
    cached = _CACHE.get(id(d))
    if cached is None or cached[0] is not d:
        cached = _CACHE[id(d)] = (d, load_knowledge(d))
    return cached[1]


def _problems(d: Dictionary, s: SynonymFile) -> list[str]:
    if not d.has_element(s.element):
        return [f"element {s.element!r} is not in the dictionary"]
    element = d.element(s.element)
    problems = []
    if s.values:
        if element.data_type is DataType.BOOLEAN:
            allowed = {"true", "false"}
        elif (code_list := d.code_list_of(element)) is not None:
            allowed = set(code_list.codes)
        else:
            allowed = set()
        problems += [
            f"value key {k!r} is not a code of the element" for k in s.values if k not in allowed
        ]
    referenced = set(s.with_elements) | {t.lstrip("-") for r in s.relations for t in r}
    problems += [
        f"refers to unknown element {e!r}" for e in sorted(referenced) if not d.has_element(e)
    ]
    return problems
