"""C2SP checkpoints (c2sp.org/tlog-checkpoint) signed by the log, and C2SP tlog-cosignature/v1
cosignatures (timestamped Ed25519, signature type 0x04) added by witnesses."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from audit.ed25519 import SIGNATURE_SIZE, Signer, Verifier
from audit.merkle import HASH_SIZE
from audit.note import (
    COSIGNATURE_V1_TYPE,
    ED25519_TYPE,
    Note,
    NoteError,
    NoteSignature,
    b64decode,
    b64encode,
    check_key_name,
    key_id,
    parse_note,
)

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(ValueError):
    """A checkpoint is malformed or a signature on it does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64encode(self.root_hash)}\n"


def parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not text.endswith("\n") or not all(lines):
        raise CheckpointError("checkpoint text must be origin, size and root hash lines")
    origin, size, root = lines[:3]
    if not _SIZE.fullmatch(size) or int(size) >= 2**63:
        raise CheckpointError(f"checkpoint tree size {size!r} is not a decimal number")
    try:
        root_hash = b64decode(root, "checkpoint root hash")
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    if len(root_hash) != HASH_SIZE:
        raise CheckpointError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root_hash)


def sign_checkpoint(checkpoint: Checkpoint, name: str, signer: Signer) -> str:
    """A signed note holding the checkpoint and the log's Ed25519 signature."""
    check_key_name(name)
    body = checkpoint.body()
    parse_body(body)
    kid = key_id(name, ED25519_TYPE, signer.public_key)
    return Note(body, (NoteSignature(name, kid, signer.sign(body.encode())),)).render()


def open_checkpoint(note_text: str, name: str, log_key: bytes) -> tuple[Checkpoint, Note]:
    """Parse a checkpoint note and verify the log's signature; other lines are left as they are."""
    try:
        note = parse_note(note_text)
    except NoteError as exc:
        raise CheckpointError(f"checkpoint note: {exc}") from None
    checkpoint = parse_body(note.text)
    kid = key_id(name, ED25519_TYPE, log_key)
    mine = [s for s in note.signatures if s.name == name and s.key_id == kid]
    if len(mine) != 1:
        raise CheckpointError(f"checkpoint carries {len(mine)} signatures of log key {name!r}")
    if not Verifier(log_key).verify(note.text.encode(), mine[0].signature):
        raise CheckpointError(f"checkpoint signature of {name!r} does not verify")
    return checkpoint, note


def cosignature_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, witness_name: str, signer: Signer, timestamp: int) -> NoteSignature:
    """A tlog-cosignature/v1 line: key ID (type 0x04) || u64 timestamp || Ed25519 signature."""
    check_key_name(witness_name)
    if not 0 <= timestamp < 2**63:
        raise CheckpointError("cosignature timestamp out of range")
    kid = key_id(witness_name, COSIGNATURE_V1_TYPE, signer.public_key)
    signature = signer.sign(cosignature_message(body, timestamp))
    return NoteSignature(witness_name, kid, struct.pack(">Q", timestamp) + signature)


def is_cosignature_by(line: NoteSignature, witness_name: str, witness_key: bytes) -> bool:
    return line.name == witness_name and line.key_id == key_id(
        witness_name, COSIGNATURE_V1_TYPE, witness_key
    )


def verify_cosignature(body: str, line: NoteSignature, witness_key: bytes) -> int:
    """Check one witness's cosignature over the checkpoint text; returns its timestamp."""
    if len(line.signature) != 8 + SIGNATURE_SIZE:
        raise CheckpointError(f"cosignature of {line.name!r} has the wrong length")
    (timestamp,) = struct.unpack(">Q", line.signature[:8])
    if timestamp >= 2**63:
        raise CheckpointError(f"cosignature of {line.name!r} has an impossible timestamp")
    message = cosignature_message(body, timestamp)
    if not Verifier(witness_key).verify(message, line.signature[8:]):
        raise CheckpointError(f"cosignature of {line.name!r} does not verify")
    return timestamp


def add_signature(note_text: str, line: NoteSignature) -> str:
    """The same note with one more signature line (a repeated signer's line is replaced)."""
    note = parse_note(note_text)
    kept = tuple(s for s in note.signatures if (s.name, s.key_id) != (line.name, line.key_id))
    return Note(note.text, (*kept, line)).render()
