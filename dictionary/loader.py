"""Reads the dictionary data file and validates it into a `Dictionary`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dictionary.errors import DictionaryFileError
from dictionary.model import Dictionary

DEFAULT_PATH = Path(__file__).parent / "data" / "elements.yaml"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise DictionaryFileError(
                    f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, source: str = "<text>") -> Dictionary:
    """Validates dictionary YAML text; every problem is reported in one `DictionaryFileError`."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DictionaryFileError as exc:
        raise DictionaryFileError(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise DictionaryFileError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DictionaryFileError(f"{source}: expected a mapping with version and elements")
    try:
        return Dictionary.model_validate(data)
    except ValidationError as exc:
        raise DictionaryFileError(f"{source}: {_describe(exc, data)}") from None


def load(path: str | Path | None = None) -> Dictionary:
    """The dictionary at `path`, or the alliance's own (loaded once per process)."""
    if path is None:
        return _default()
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def _default() -> Dictionary:
    return parse(DEFAULT_PATH.read_text(encoding="utf-8"), str(DEFAULT_PATH))


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    lines = []
    for error in exc.errors():
        lines.append(f"{_where(error['loc'], data)}: {error['msg']}")
    return f"{len(lines)} problem(s)\n  " + "\n  ".join(lines)


def _where(loc: tuple[int | str, ...], data: Any) -> str:
    """A location such as `elements[3]` becomes `elements[3] (part_number)`, easier to find."""
    parts, node = [], data
    for step in loc:
        node = node[step] if isinstance(node, dict | list) and _has(node, step) else None  # type: ignore[index]
        label = f"[{step}]" if isinstance(step, int) else f".{step}"
        if isinstance(step, int) and isinstance(node, dict) and "id" in node:
            label += f" ({node['id']})"
        parts.append(label)
    return "".join(parts).lstrip(".") or "file"


def _has(node: dict[Any, Any] | list[Any], step: int | str) -> bool:
    if isinstance(node, list):
        return isinstance(step, int) and 0 <= step < len(node)
    return step in node
