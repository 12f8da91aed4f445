"""C2SP signed notes (c2sp.org/signed-note): text, a blank line, then signature lines
`— <key name> base64(key ID || signature)`, plus the `name+keyid+key` verifier-key encoding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

ED25519_TYPE = 0x01
COSIGNATURE_V1_TYPE = 0x04
MAX_SIGNATURES = 100
_DASH = "\u2014"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class NoteError(ValueError):
    """A note, a signature line or a verifier key is malformed."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes  # what follows the key ID: algorithm-specific

    def line(self) -> str:
        return f"{_DASH} {self.name} {b64encode(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    text: str  # ends with a newline
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or _CONTROL.search(name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64: the only accepted spelling is the one we would write."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} is not valid base64") from None
    if b64encode(data) != text:
        raise NoteError(f"{what} is not canonical base64")
    return data


def parse_note(note: str) -> Note:
    """Split a signed note into its text and signature lines, refusing anything irregular."""
    if _CONTROL.search(note):
        raise NoteError("note contains control characters")
    if not note.endswith("\n"):
        raise NoteError("note does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise NoteError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != _DASH:
        raise NoteError(f"malformed signature line {line!r}")
    check_key_name(parts[1])
    raw = b64decode(parts[2], f"signature of {parts[1]}")
    if len(raw) < 5:
        raise NoteError(f"signature of {parts[1]} is too short")
    return NoteSignature(parts[1], raw[:4], raw[4:])


def format_vkey(name: str, public_key: bytes) -> str:
    """The `name+hex(key ID)+base64(0x01 || key)` verifier key that note tooling reads."""
    check_key_name(name)
    kid = key_id(name, ED25519_TYPE, public_key)
    return f"{name}+{kid.hex()}+{b64encode(bytes([ED25519_TYPE]) + public_key)}"


def parse_vkey(vkey: str) -> tuple[str, bytes]:
    """(name, raw Ed25519 public key) of a verifier key, after checking its key ID."""
    parts = vkey.strip().split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3 or len(parts[1]) != 8:
        raise NoteError(f"verifier key {vkey!r} is not name+keyid+key")
    name, kid_hex, key_b64 = parts
    check_key_name(name)
    material = b64decode(key_b64, "verifier key")
    if len(material) != 33 or material[0] != ED25519_TYPE:
        raise NoteError("verifier key is not an Ed25519 key")
    if key_id(name, ED25519_TYPE, material[1:]).hex() != kid_hex.lower():
        raise NoteError("verifier key ID does not match its name and key")
    return name, material[1:]
