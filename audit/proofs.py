"""Inclusion and consistency proofs, produced from stored perfect subtrees (RFC 9162 §2.1.3.1,
§2.1.4.1) and verified exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 prescribe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from audit.merkle import HASH_SIZE, NodeKey, fold, node_hash, perfect_subtrees, split_point


class ProofError(Exception):
    """A proof, or the question asked of it, does not hold."""


class NodeSource(Protocol):
    """Whatever stores perfect subtree hashes: the SQL store, or a tree held in memory."""

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]: ...


# --- which subtrees a proof is made of ------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PATH(index, D[0:size]), from the leaf up."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    low, high = 0, size
    while high - low > 1:
        k = split_point(high - low)
        if index < low + k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PROOF(size1, D[0:size2]), deepest first."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[tuple[int, int]] = []
    low, high, whole_old_tree = 0, size2, True
    while size1 != high:
        k = split_point(high - low)
        if size1 - low <= k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((low, high))
    ranges.reverse()
    return ranges


def hashes_of_ranges(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """One hash per range, from a single batched read of the stored subtrees."""
    keys_per_range = [perfect_subtrees(start, end) for start, end in ranges]
    wanted = sorted({key for keys in keys_per_range for key in keys})
    found = source.node_hashes(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise ProofError(f"stored tree lacks subtrees {missing[:4]}")
    return [fold([found[key] for key in keys]) for keys in keys_per_range]


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    return hashes_of_ranges(source, inclusion_ranges(index, size))


def consistency_proof(source: NodeSource, size1: int, size2: int) -> list[bytes]:
    return hashes_of_ranges(source, consistency_ranges(size1, size2))


def root_at(source: NodeSource, size: int) -> bytes:
    return hashes_of_ranges(source, [(0, size)])[0] if size else fold([])


# --- verification, written from RFC 9162 ----------------------------------------------------


def _check_hash_sizes(what: str, hashes: Sequence[bytes]) -> None:
    for position, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what}[{position}] is {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError unless `leaf_hash` is leaf `index` of `root`."""
    _check_hash_sizes("leaf hash", [leaf_hash])
    _check_hash_sizes("proof", proof)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless tree `root2` extends tree `root1`.

    A proof from the empty tree is refused: it would prove nothing about the new tree.
    """
    _check_hash_sizes("proof", proof)
    if size1 <= 0 or size1 > size2:
        raise ProofError(f"no consistency proof exists from size {size1} to size {size2}")
    if size1 == size2:
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise ProofError("trees of equal size have different root hashes")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than needed")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the old root hash")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the new root hash")
