"""Signed statements: what an alliance member asserts, as canonical bytes, and the log leaf.

A statement is an RFC 8785 (JCS) canonical JSON object:

    {"at_ms": 1764000000000, "author": "acme", "elements": ["part_number", "quantity"],
     "kind": "ledger_movement", "payload": {...}, "type": "alliance-audit-statement/v1"}

`elements` lists, sorted and without repeats, the dictionary elements the payload speaks of.
The author signs those exact bytes with Ed25519 (no prefix: canonical JSON never contains a
newline byte, while every signed-note text ends with one, so a statement signature can never
be replayed as a checkpoint signature or the reverse).

The log leaf (the "entry") is `statement_bytes || signature`: the signature is always 64
bytes, so the split is unambiguous, and the Merkle leaf hash SHA-256(0x00 || entry) commits to
both what was said and who signed it. The receipt's entry hash is that leaf hash.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import rfc8785

from audit.ed25519 import SIGNATURE_SIZE, Signer, Verifier
from audit.merkle import leaf_hash

STATEMENT_TYPE = "alliance-audit-statement/v1"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FIELDS = {"at_ms", "author", "elements", "kind", "payload", "type"}


class StatementKind(enum.StrEnum):
    """The kinds the alliance writes today; any lower_snake_case kind is accepted."""

    CONTRIBUTION = "contribution"
    POOL_SHARE_CHANGE = "pool_share_change"
    LEDGER_MOVEMENT = "ledger_movement"
    QUOTE = "quote"
    DEMAND = "demand"
    PLAN = "plan"
    RESERVATION_STATE = "reservation_state"


class StatementError(ValueError):
    """A statement or entry is malformed."""


@dataclass(frozen=True)
class Statement:
    author: str
    kind: str
    at_ms: int
    elements: tuple[str, ...]
    payload: Mapping[str, Any]

    def canonical_bytes(self) -> bytes:
        _check_fields(self.author, self.kind, self.at_ms, self.elements, self.payload)
        document: dict[str, Any] = {
            "at_ms": self.at_ms,
            "author": self.author,
            "elements": sorted(set(self.elements)),
            "kind": str(self.kind),
            "payload": dict(self.payload),
            "type": STATEMENT_TYPE,
        }
        _reject_floats(document["payload"])
        try:
            return rfc8785.dumps(document)
        except rfc8785.CanonicalizationError as exc:
            raise StatementError(f"payload cannot be canonicalized: {exc}") from None


def parse_statement(raw: bytes) -> Statement:
    """Read statement bytes (not necessarily canonical: the signature binds the exact bytes)."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StatementError(f"statement is not JSON: {exc}") from None
    if not isinstance(document, dict) or set(document) != _FIELDS:
        raise StatementError(f"statement must be an object with exactly {sorted(_FIELDS)}")
    if document["type"] != STATEMENT_TYPE:
        raise StatementError(f"unknown statement type {document['type']!r}")
    elements = document["elements"]
    if not isinstance(elements, list) or elements != sorted(set(elements)):
        raise StatementError("elements must be a sorted list without repeats")
    _check_fields(
        document["author"], document["kind"], document["at_ms"], elements, document["payload"]
    )
    return Statement(
        document["author"],
        document["kind"],
        document["at_ms"],
        tuple(elements),
        document["payload"],
    )


def statement_author(raw: bytes) -> str:
    """Only the author of statement bytes, with the checks a verifier of signatures needs:
    the signature binds every other byte (three times cheaper than `parse_statement`)."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StatementError(f"statement is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.keys() != _FIELDS:
        raise StatementError(f"statement must be an object with exactly {sorted(_FIELDS)}")
    if document["type"] != STATEMENT_TYPE or not isinstance(document["author"], str):
        raise StatementError("statement is not an alliance-audit-statement/v1 with an author")
    return document["author"]


@dataclass(frozen=True)
class SignedEntry:
    """A statement's exact bytes and its author's signature: one leaf of the log."""

    statement_bytes: bytes
    signature: bytes

    @property
    def leaf(self) -> bytes:
        return self.statement_bytes + self.signature

    @cached_property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf)

    def statement(self) -> Statement:
        return parse_statement(self.statement_bytes)

    @classmethod
    def from_leaf(cls, leaf: bytes) -> SignedEntry:
        if len(leaf) <= SIGNATURE_SIZE:
            raise StatementError("an entry is a statement followed by a 64-byte signature")
        return cls(leaf[:-SIGNATURE_SIZE], leaf[-SIGNATURE_SIZE:])


def sign_statement(statement: Statement, signer: Signer) -> SignedEntry:
    raw = statement.canonical_bytes()
    return SignedEntry(raw, signer.sign(raw))


def verify_entry(entry: SignedEntry, author_key: Verifier) -> None:
    if not author_key.verify(entry.statement_bytes, entry.signature):
        raise StatementError("signature does not verify with the author's key")


def _check_fields(
    author: object, kind: object, at_ms: object, elements: Iterable[object], payload: object
) -> None:
    if not isinstance(author, str) or not author or len(author) > 200:
        raise StatementError(f"author must be a non-empty member id, got {author!r}")
    if not isinstance(kind, str) or not _NAME.fullmatch(kind):
        raise StatementError(f"kind must be lower_snake_case, got {kind!r}")
    if type(at_ms) is not int or not 0 <= at_ms < 2**53:
        raise StatementError(f"at_ms must be integer milliseconds since the epoch, got {at_ms!r}")
    for element in elements:
        if not isinstance(element, str) or not _NAME.fullmatch(element):
            raise StatementError(f"dictionary element must be lower_snake_case, got {element!r}")
    if not isinstance(payload, Mapping):
        raise StatementError("payload must be a JSON object")


def _reject_floats(value: object) -> None:
    # Quantities and money are integers in this project; a float would make the bytes depend
    # on number formatting and invite rounding disputes.
    if isinstance(value, float):
        raise StatementError(f"payload must not contain floating-point numbers ({value!r})")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)
