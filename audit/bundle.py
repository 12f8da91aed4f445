"""Inclusion proof bundles: one entry, its proof and the signed checkpoint it leads to, in a
JSON document a third party verifies with nothing else (`alliance audit verify-proof`).

Format `alliance-audit-inclusion/v1`:
`{"format", "origin", "log_key": B64, "index", "tree_size", "statement": the statement's
exact signed bytes as a JSON string, "author_key": B64, "signature": B64, "leaf_hash": B64,
"proof": [B64, ...] (RFC 9162 inclusion path, leaf upwards), "checkpoint": NOTE,
"witnesses": {NAME: B64}}`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.checkpoints import (
    CheckpointError,
    is_cosignature_by,
    open_checkpoint,
    verify_cosignature,
)
from audit.ed25519 import Verifier
from audit.export import ExportFormatError, parse_entry_line, parse_header, parse_trailer
from audit.keys import WeakPublicKeyError, check_public_key
from audit.memory_tree import MemoryTree
from audit.merkle import leaf_hash
from audit.note import NoteError, b64decode, b64encode
from audit.proofs import ProofError, inclusion_proof, root_at, verify_inclusion
from audit.statements import SignedEntry, Statement, StatementError, parse_statement
from audit.verify import TrustedKey, VerificationError

FORMAT = "alliance-audit-inclusion/v1"


@dataclass(frozen=True)
class ProvenEntry:
    origin: str
    index: int
    tree_size: int
    statement: Statement
    witnesses: tuple[str, ...]
    log_key_trusted: bool


def build_bundle(export: Path, index: int) -> dict[str, Any]:
    """The inclusion bundle of entry `index` of an export, against the export's checkpoint."""
    with export.open("rb") as handle:
        lines = iter(handle)
        try:
            header = parse_header(next(lines).rstrip(b"\n"))
        except StopIteration:
            raise VerificationError("file is empty") from None
        if not 0 <= index < header.tree_size:
            raise VerificationError(f"entry {index} is not in a log of {header.tree_size}")
        tree, wanted, trailer = MemoryTree(), None, b""
        for position, line in enumerate(lines):
            if position == header.tree_size:
                trailer = line
                break
            entry = parse_entry_line(position, line.rstrip(b"\n"))
            tree.append(entry.leaf_hash)
            if position == index:
                wanted = entry
    note = parse_trailer(trailer.rstrip(b"\n"))
    checkpoint, _ = open_checkpoint(note, header.origin, header.log_key)
    if wanted is None or checkpoint.size != tree.size:
        raise VerificationError("export holds fewer entries than its checkpoint")
    if root_at(tree, tree.size) != checkpoint.root_hash:
        raise VerificationError("export entries do not match its checkpoint root")
    author = parse_statement(wanted.statement_bytes).author
    return {
        "format": FORMAT,
        "origin": header.origin,
        "log_key": b64encode(header.log_key),
        "index": index,
        "tree_size": tree.size,
        "statement": wanted.statement_bytes.decode(),
        "author_key": b64encode(header.members[author]),
        "signature": b64encode(wanted.signature),
        "leaf_hash": b64encode(wanted.leaf_hash),
        "proof": [b64encode(h) for h in inclusion_proof(tree, index, tree.size)],
        "checkpoint": note,
        "witnesses": {w: b64encode(k) for w, k in sorted(header.witnesses.items())},
    }


def verify_bundle(bundle: dict[str, Any], trusted_keys: Sequence[TrustedKey] = ()) -> ProvenEntry:
    try:
        return _verify_bundle(bundle, trusted_keys)
    except (
        KeyError,
        TypeError,
        AttributeError,
        NoteError,
        ExportFormatError,
        StatementError,
        WeakPublicKeyError,
    ) as exc:
        raise VerificationError(f"malformed bundle: {type(exc).__name__}: {exc}") from None
    except (CheckpointError, ProofError) as exc:
        raise VerificationError(str(exc)) from None


def _verify_bundle(bundle: dict[str, Any], trusted_keys: Sequence[TrustedKey]) -> ProvenEntry:
    if bundle.get("format") != FORMAT:
        raise VerificationError(f"not an {FORMAT} bundle")
    origin, index, size = bundle["origin"], bundle["index"], bundle["tree_size"]
    log_key = b64decode(bundle["log_key"], "log_key")
    author_key = b64decode(bundle["author_key"], "author_key")
    for key in (log_key, author_key):
        check_public_key(key)
    trusted = any(t.key == log_key and t.name in (None, origin) for t in trusted_keys)
    if trusted_keys and not trusted:
        raise VerificationError("the log's key in this bundle is not a trusted key")
    entry = SignedEntry(bundle["statement"].encode(), b64decode(bundle["signature"], "signature"))
    statement = parse_statement(entry.statement_bytes)
    if not Verifier(author_key).verify(entry.statement_bytes, entry.signature):
        raise VerificationError(f"signature of member {statement.author!r} does not verify")
    if b64decode(bundle["leaf_hash"], "leaf_hash") != leaf_hash(entry.leaf):
        raise VerificationError("leaf hash is not the hash of statement || signature")
    checkpoint, note = open_checkpoint(bundle["checkpoint"], origin, log_key)
    if (checkpoint.origin, checkpoint.size) != (origin, size):
        raise VerificationError("checkpoint is not of this log at this size")
    proof = [b64decode(h, "proof hash") for h in bundle["proof"]]
    verify_inclusion(entry.leaf_hash, index, size, proof, checkpoint.root_hash)
    witnesses = {w: b64decode(k, f"witness {w}") for w, k in bundle["witnesses"].items()}
    cosigned = []
    for line in note.signatures:
        witness_key = witnesses.get(line.name)
        if line.name == origin or witness_key is None:
            continue
        if is_cosignature_by(line, line.name, witness_key):
            check_public_key(witness_key)
            verify_cosignature(note.text, line, witness_key)
            cosigned.append(line.name)
    return ProvenEntry(origin, index, size, statement, tuple(sorted(cosigned)), trusted)


def write_bundle(bundle: dict[str, Any], out: Path) -> None:
    out.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
