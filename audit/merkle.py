"""RFC 9162 Merkle tree hashing: leaf and interior hashes, the empty root, compact ranges.

A node of the tree is named by `(level, index)`: the perfect subtree over the leaves
`[index * 2**level, (index + 1) * 2**level)`. Level 0 nodes are leaf hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than `size` (RFC 9162's k), for size >= 2."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that the RFC tree over leaves [start, end) is made of, left first.

    `start` must be a boundary of the RFC recursion (a multiple of a power of two at least
    `end - start`), which holds for every range a proof asks about.
    """
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root over consecutive perfect subtrees of decreasing size (right-leaning fold)."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): enough to append and to
    compute the root, in O(log size) space."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} has {size.bit_count()} hashes")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the interior nodes (level >= 1) it completed."""
        index, carry, level = self.size, leaf, 0
        completed: list[tuple[int, int, bytes]] = []
        while (index >> level) & 1:
            carry = node_hash(self.hashes.pop(), carry)
            level += 1
            completed.append((level, index >> level, carry))
        self.hashes.append(carry)
        self.size += 1
        return completed

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        return fold(self.hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactRange:
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return cls(size, hashes)


def root_hash(leaf_hashes: Iterable[bytes]) -> bytes:
    """The tree head over the given leaf hashes, in linear time and logarithmic space."""
    compact = CompactRange()
    compact.extend(leaf_hashes)
    return compact.root()
