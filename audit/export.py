"""The export file: a log, its latest signed checkpoint and every public key, in one file.

Format `alliance-audit-export/v1`, JSON Lines in UTF-8, every line compact JSON ending in
"\\n", nothing else in the file:

1. Header, keys sorted:
   `{"format":"alliance-audit-export/v1","log_key":B64,"members":{ID:B64,...},
     "origin":ORIGIN,"tree_size":N,"witnesses":{NAME:B64,...}}`
   `log_key` signs the checkpoints (key name = origin); `members` are the raw Ed25519 keys
   of exactly the members who authored an entry in the file; `witnesses` exactly the keys of
   the cosigners of the checkpoint. (A key that signs nothing in the file could be altered
   unnoticed, so none is listed and readers refuse one.)
2. N entry lines, for index 0..N-1 in order, exactly
   `{"index":I,"signature":B64,"statement":STATEMENT}`
   where STATEMENT is the statement's exact signed bytes (RFC 8785 canonical JSON) and B64
   its author's 64-byte Ed25519 signature. Leaf I of the tree is STATEMENT || signature.
3. Trailer: `{"checkpoint":NOTE}`, NOTE being the C2SP signed note of the checkpoint of size
   N (the log's signature, then one tlog-cosignature/v1 line per witness).

B64 is standard base64 with padding. Readers refuse any other spelling of the same content
(a line that is not exactly what a writer would produce), so that every single-byte change is
either a parse error or a change of signed content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import Connection

from audit.checkpoints import parse_body
from audit.ed25519 import SIGNATURE_SIZE
from audit.note import NoteError, b64decode, b64encode, parse_note
from audit.statements import SignedEntry
from audit.store import AuditStoreError, LogReader

FORMAT = "alliance-audit-export/v1"
_HEADER_FIELDS = {"format", "log_key", "members", "origin", "tree_size", "witnesses"}
_SIGNATURE_B64_LENGTH = 88


class ExportFormatError(ValueError):
    """The file is not a well-formed export; the message says where."""


@dataclass(frozen=True)
class ExportHeader:
    origin: str
    log_key: bytes
    tree_size: int
    members: Mapping[str, bytes]
    witnesses: Mapping[str, bytes]

    def line(self) -> bytes:
        return canonical_line(
            {
                "format": FORMAT,
                "log_key": b64encode(self.log_key),
                "members": {m: b64encode(k) for m, k in self.members.items()},
                "origin": self.origin,
                "tree_size": self.tree_size,
                "witnesses": {w: b64encode(k) for w, k in self.witnesses.items()},
            }
        )


def canonical_line(document: Mapping[str, Any]) -> bytes:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode() + b"\n"


def entry_prefix(index: int) -> bytes:
    return b'{"index":%d,"signature":"' % index


def entry_line(index: int, entry: SignedEntry) -> bytes:
    if b"\n" in entry.statement_bytes:
        raise ExportFormatError(f"entry {index}: statement bytes contain a newline")
    return b'%s%s","statement":%s}\n' % (
        entry_prefix(index),
        b64encode(entry.signature).encode(),
        entry.statement_bytes,
    )


def parse_entry_line(index: int, line: bytes) -> SignedEntry:
    """The entry on `line` (without its newline), if the line is exactly what we write."""
    prefix = entry_prefix(index)
    if not line.startswith(prefix):
        raise ExportFormatError(f"entry {index}: line does not start as entry {index} should")
    signature_end = len(prefix) + _SIGNATURE_B64_LENGTH
    separator = b'","statement":'
    if line[signature_end : signature_end + len(separator)] != separator or not line.endswith(b"}"):
        raise ExportFormatError(f"entry {index}: line is not a well-formed entry")
    try:
        signature = b64decode(line[len(prefix) : signature_end].decode("ascii"), "signature")
    except (NoteError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"entry {index}: {exc}") from None
    if len(signature) != SIGNATURE_SIZE:
        raise ExportFormatError(f"entry {index}: signature is not 64 bytes")
    return SignedEntry(line[signature_end + len(separator) : -1], signature)


def parse_json_line(line: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportFormatError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ExportFormatError(f"{what}: not a JSON object")
    if canonical_line(document) != line + b"\n":
        raise ExportFormatError(f"{what}: not in the exact form this format prescribes")
    return document


def parse_header(line: bytes) -> ExportHeader:
    document = parse_json_line(line, "header")
    if set(document) != _HEADER_FIELDS or document["format"] != FORMAT:
        raise ExportFormatError(f"header: not an {FORMAT} header")
    origin, size = document["origin"], document["tree_size"]
    if not isinstance(origin, str) or not origin:
        raise ExportFormatError("header: origin must be a non-empty string")
    if type(size) is not int or size < 0:
        raise ExportFormatError("header: tree_size must be a non-negative integer")
    return ExportHeader(
        origin,
        _key(document["log_key"], "header: log_key"),
        size,
        _keys(document["members"], "member"),
        _keys(document["witnesses"], "witness"),
    )


def parse_trailer(line: bytes) -> str:
    document = parse_json_line(line, "trailer")
    if set(document) != {"checkpoint"} or not isinstance(document["checkpoint"], str):
        raise ExportFormatError('trailer: must be exactly {"checkpoint": NOTE}')
    return str(document["checkpoint"])


def _keys(value: object, what: str) -> dict[str, bytes]:
    if not isinstance(value, dict):
        raise ExportFormatError(f"header: {what}s must be an object")
    return {name: _key(key, f"header: {what} {name!r}") for name, key in value.items()}


def _key(value: object, what: str) -> bytes:
    try:
        key = b64decode(value, what) if isinstance(value, str) else b""
    except NoteError as exc:
        raise ExportFormatError(str(exc)) from None
    if len(key) != 32:
        raise ExportFormatError(f"{what} is not a 32-byte base64 Ed25519 key")
    return key


def write_export(conn: Connection, reader: LogReader, out: BinaryIO) -> ExportHeader:
    """Write the log up to its latest checkpoint; entries appended after it are left out."""
    note = reader.latest_checkpoint(conn)
    if note is None:
        raise AuditStoreError(f"log {reader.origin!r} has no signed checkpoint to export")
    size = parse_body(parse_note(note).text).size
    # Only keys that sign something in the file: any other key could be altered unnoticed.
    keys = reader.member_keys(conn)
    members = {author: keys[author] for author in sorted(reader.authors(conn, size))}
    header = ExportHeader(
        reader.origin, reader.log_public_key(conn), size, members, reader.witness_keys(conn, size)
    )
    out.write(header.line())
    for index, entry in enumerate(reader.entries(conn, 0, size)):
        out.write(entry_line(index, entry))
    out.write(canonical_line({"checkpoint": note}))
    return header


def export_to_file(conn: Connection, reader: LogReader, path: Path) -> ExportHeader:
    """Write to a temporary name and rename, so a half-written export never exists."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        header = write_export(conn, reader, out)
    partial.replace(path)
    return header
