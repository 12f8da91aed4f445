"""Errors the dictionary raises; each message names the element and the offending value."""

from __future__ import annotations


class DictionaryError(Exception):
    """Base of every error raised on purpose by the dictionary package."""


class DictionaryFileError(DictionaryError):
    """The dictionary data file itself is malformed or inconsistent."""


class UnknownElement(DictionaryError, LookupError):
    """An element identifier that the dictionary does not define."""

    def __init__(self, element_id: str, suggestion: str | None = None) -> None:
        self.element_id = element_id
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"unknown dictionary element {element_id!r}{hint}")

    def __str__(self) -> str:  # LookupError would repr() the message otherwise
        return str(self.args[0])


class InvalidValue(DictionaryError, ValueError):
    """A value that does not fit its element's data type or value domain."""

    def __init__(self, element_id: str, value: object, reason: str) -> None:
        self.element_id = element_id
        self.value = value
        self.reason = reason
        super().__init__(f"element {element_id!r}: value {value!r} {reason}")


class UnitMismatch(InvalidValue):
    """A value given in a unit its element does not accept."""

    def __init__(self, element_id: str, value: object, unit: str, reason: str) -> None:
        self.unit = unit
        super().__init__(element_id, value, f"in unit {unit!r}: {reason}")
