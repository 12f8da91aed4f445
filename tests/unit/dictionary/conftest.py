"""Helpers to build variants of the real dictionary file for the dictionary's unit tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

import dictionary
from dictionary import Dictionary


@pytest.fixture(scope="session")
def dictionary_data() -> dict[str, Any]:
    """The alliance dictionary file as plain data; copy it before changing it."""
    return yaml.safe_load(dictionary.DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def variant(
    dictionary_data: dict[str, Any],
) -> Callable[[Callable[[dict[str, Any]], None]], Dictionary]:
    """Parses the real file after `change` edits a copy of it."""

    def build(change: Callable[[dict[str, Any]], None]) -> Dictionary:
        data = copy.deepcopy(dictionary_data)
        change(data)
        return dictionary.parse(yaml.safe_dump(data, allow_unicode=True), "variant")

    return build
