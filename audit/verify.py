"""Offline verification of an export: every entry signature, the recomputed root, the
checkpoint signature, every cosignature, and consistency with an earlier checkpoint.

Signature checks dominate the cost, so large exports are split at line boundaries and
checked by a process pool on every core; the parent then folds the leaf hashes into the root.
"""

from __future__ import annotations

import hashlib
import mmap
import multiprocessing
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audit.checkpoints import (
    CheckpointError,
    is_cosignature_by,
    open_checkpoint,
    verify_cosignature,
)
from audit.ed25519 import Verifier
from audit.export import (
    ExportFormatError,
    ExportHeader,
    parse_entry_line,
    parse_header,
    parse_trailer,
)
from audit.keys import WeakPublicKeyError, check_public_key
from audit.merkle import CompactRange
from audit.statements import StatementError, statement_author

PARALLEL_FROM_BYTES = 8 << 20  # below this, a pool costs more than it saves


class VerificationError(Exception):
    """The export does not verify; the message names the entry or part and what failed."""


@dataclass(frozen=True)
class TrustedKey:
    key: bytes
    name: str | None = None  # from a verifier key (vkey); must then equal the origin


@dataclass(frozen=True)
class VerificationReport:
    origin: str
    tree_size: int
    root_hash: bytes
    log_key: bytes
    log_key_trusted: bool
    authors: tuple[str, ...]
    witnesses: tuple[str, ...]
    previous_size: int | None
    cpu_s: float  # processor time of this process and the pool's workers


def verify_export(
    path: Path,
    trusted_keys: Sequence[TrustedKey] = (),
    previous_checkpoint: str | None = None,
    workers: int | None = None,
) -> VerificationReport:
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            raise VerificationError("file is empty")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _verify(path, data, trusted_keys, previous_checkpoint, workers)


def _verify(
    path: Path,
    data: mmap.mmap,
    trusted_keys: Sequence[TrustedKey],
    previous_checkpoint: str | None,
    workers: int | None,
) -> VerificationReport:
    started_cpu_s = time.process_time()
    if data[-1:] != b"\n":
        raise VerificationError("file does not end with a newline: truncated?")
    header_end = data.find(b"\n")
    trailer_start = data.rfind(b"\n", 0, len(data) - 1) + 1
    if trailer_start <= header_end:
        raise VerificationError("file has a single line; an export has a header and a trailer")
    try:
        header = parse_header(data[:header_end])
        note = parse_trailer(data[trailer_start:-1])
    except ExportFormatError as exc:
        raise VerificationError(str(exc)) from None
    _check_keys(header)
    trusted = _check_trust(header, trusted_keys)
    previous = _open_previous(header, previous_checkpoint)

    compact = CompactRange()
    previous_root = None
    authors: set[str] = set()
    # Chunks arrive in order while the pool keeps verifying: fold them into the tree now.
    worker_cpu_s = [0.0]
    chunks = _leaf_hash_chunks(
        path, data, header_end + 1, trailer_start, header, workers, worker_cpu_s
    )
    for hashes, chunk_authors in chunks:
        authors |= chunk_authors
        for offset in range(0, len(hashes), 32):
            compact.append(hashes[offset : offset + 32])
            if previous is not None and compact.size == previous[0]:
                previous_root = compact.root()
    unused = sorted(set(header.members) - authors)
    if unused:
        raise VerificationError(f"header: members {unused} authored no entry of the file")
    if compact.size != header.tree_size:
        raise VerificationError(
            f"header announces {header.tree_size} entries, the file holds {compact.size}"
        )
    root = compact.root()
    witnesses = _check_checkpoint(header, note, root)
    if previous is not None:
        _check_previous(previous, previous_root, header.tree_size)
    return VerificationReport(
        header.origin,
        header.tree_size,
        root,
        header.log_key,
        trusted,
        tuple(sorted(header.members)),
        witnesses,
        None if previous is None else previous[0],
        time.process_time() - started_cpu_s + worker_cpu_s[0],
    )


def _check_keys(header: ExportHeader) -> None:
    named = [("log key", header.log_key)]
    named += [(f"key of member {m!r}", k) for m, k in header.members.items()]
    named += [(f"key of witness {w!r}", k) for w, k in header.witnesses.items()]
    for what, key in named:
        try:
            check_public_key(key)
        except WeakPublicKeyError as exc:
            raise VerificationError(f"header: {what} refused: {exc}") from None


def _check_trust(header: ExportHeader, trusted_keys: Sequence[TrustedKey]) -> bool:
    if not trusted_keys:
        return False
    for trusted in trusted_keys:
        if trusted.key == header.log_key:
            if trusted.name is not None and trusted.name != header.origin:
                raise VerificationError(
                    f"trusted key is named {trusted.name!r}, the log is {header.origin!r}"
                )
            return True
    raise VerificationError("the log's key in this export is not a trusted key")


def _open_previous(header: ExportHeader, note: str | None) -> tuple[int, bytes] | None:
    if note is None:
        return None
    try:
        checkpoint, _ = open_checkpoint(note, header.origin, header.log_key)
    except CheckpointError as exc:
        raise VerificationError(f"previous checkpoint: {exc}") from None
    if checkpoint.origin != header.origin:
        raise VerificationError(f"previous checkpoint is of log {checkpoint.origin!r}")
    if checkpoint.size > header.tree_size:
        raise VerificationError(
            f"previous checkpoint has {checkpoint.size} entries, more than this export's "
            f"{header.tree_size}: the log was rolled back or forked"
        )
    return checkpoint.size, checkpoint.root_hash


def _check_previous(previous: tuple[int, bytes], recomputed: bytes | None, tree_size: int) -> None:
    size, root = previous
    if size == 0:
        recomputed = CompactRange().root()
    if recomputed != root:
        raise VerificationError(
            f"not consistent with the previous checkpoint: the first {size} of {tree_size} "
            "entries have a different root hash (the log was rewritten or forked)"
        )


def _check_checkpoint(header: ExportHeader, note: str, root: bytes) -> tuple[str, ...]:
    try:
        checkpoint, parsed = open_checkpoint(note, header.origin, header.log_key)
    except CheckpointError as exc:
        raise VerificationError(f"checkpoint: {exc}") from None
    if checkpoint.origin != header.origin:
        raise VerificationError(f"checkpoint is of log {checkpoint.origin!r}")
    if checkpoint.size != header.tree_size:
        raise VerificationError(
            f"checkpoint covers {checkpoint.size} entries, the export {header.tree_size}"
        )
    if checkpoint.root_hash != root:
        raise VerificationError("checkpoint root hash differs from the root of the entries")
    cosigned = []
    for line in parsed.signatures:
        if line.name == header.origin:
            continue  # the log's own signature, verified by open_checkpoint
        key = header.witnesses.get(line.name)
        if key is None or not is_cosignature_by(line, line.name, key):
            raise VerificationError(f"checkpoint: signature line of unknown key {line.name!r}")
        try:
            verify_cosignature(parsed.text, line, key)
        except CheckpointError as exc:
            raise VerificationError(f"checkpoint: {exc}") from None
        cosigned.append(line.name)
    if sorted(cosigned) != sorted(header.witnesses):
        missing = sorted(set(header.witnesses) - set(cosigned)) or sorted(cosigned)
        raise VerificationError(f"checkpoint: cosignatures missing or repeated for {missing}")
    return tuple(sorted(cosigned))


# --- entries, possibly on several cores ---------------------------------------------------


def _leaf_hash_chunks(
    path: Path,
    data: mmap.mmap,
    start: int,
    end: int,
    header: ExportHeader,
    workers: int | None,
    cpu_seconds: list[float],
) -> Iterator[tuple[bytes, set[str]]]:
    """(concatenated leaf hashes, authors) per chunk of entry lines, in file order."""
    members = dict(header.members)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or end - start < PARALLEL_FROM_BYTES:
        hashes, authors, error = _verify_lines(data[start:end], 0, members)
        if error:
            raise VerificationError(error)
        yield hashes, authors
        return
    tasks = []
    index = 0
    for chunk_start, chunk_end in _chunk_bounds(data, start, end, workers * 8):
        tasks.append((str(path), chunk_start, chunk_end, index, members))
        index += data[chunk_start:chunk_end].count(b"\n")
    context = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for hashes, authors, error, cpu_s in pool.map(_verify_file_range, tasks):
            if error:
                pool.shutdown(wait=False, cancel_futures=True)
                raise VerificationError(error)
            cpu_seconds[0] += cpu_s
            yield hashes, authors


def _chunk_bounds(data: mmap.mmap, start: int, end: int, count: int) -> list[tuple[int, int]]:
    cuts = [start]
    for k in range(1, count):
        cut = data.find(b"\n", start + (end - start) * k // count, end)
        if cut < 0:
            break
        if cut + 1 > cuts[-1]:
            cuts.append(cut + 1)
    if cuts[-1] != end:
        cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False))


def _verify_file_range(
    task: tuple[str, int, int, int, Mapping[str, bytes]],
) -> tuple[bytes, set[str], str | None, float]:
    started = time.process_time()
    path, start, end, first_index, members = task
    with open(path, "rb") as handle:
        handle.seek(start)
        result = _verify_lines(handle.read(end - start), first_index, members)
    return (*result, time.process_time() - started)


def _verify_lines(
    block: bytes, first_index: int, members: Mapping[str, bytes]
) -> tuple[bytes, set[str], str | None]:
    """Leaf hashes and authors of the entry lines in `block`, stopping at the first fault."""
    verifiers: dict[str, Verifier] = {}
    hashes = bytearray()
    lines = block.split(b"\n")[:-1]
    for index, line in enumerate(lines, first_index):
        try:
            entry = parse_entry_line(index, line)
            author = statement_author(entry.statement_bytes)
        except (ExportFormatError, StatementError) as exc:
            message = str(exc)
            prefix = f"entry {index}: "
            return (
                bytes(hashes),
                set(verifiers),
                (message if message.startswith(prefix) else prefix + message),
            )
        verifier = verifiers.get(author)
        if verifier is None:
            if author not in members:
                return bytes(hashes), set(verifiers), f"entry {index}: author {author!r} has no key"
            verifier = verifiers[author] = Verifier(members[author])
        if not verifier.verify(entry.statement_bytes, entry.signature):
            error = f"entry {index}: signature of member {author!r} does not verify"
            return bytes(hashes), set(verifiers), error
        hashes += hashlib.sha256(b"\x00" + entry.statement_bytes + entry.signature).digest()
    return bytes(hashes), set(verifiers), None
