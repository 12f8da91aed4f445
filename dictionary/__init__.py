"""The alliance data dictionary: elements as a versioned data file, loaded and validated."""

from dictionary.errors import (
    DictionaryError,
    DictionaryFileError,
    InvalidValue,
    UnitMismatch,
    UnknownElement,
)
from dictionary.loader import DEFAULT_PATH, load, parse
from dictionary.model import CodeList, CodeListEntry, DataType, Dictionary, Element, Status

__all__ = [
    "DEFAULT_PATH",
    "CodeList",
    "CodeListEntry",
    "DataType",
    "Dictionary",
    "DictionaryError",
    "DictionaryFileError",
    "Element",
    "InvalidValue",
    "Status",
    "UnitMismatch",
    "UnknownElement",
    "load",
    "parse",
]
