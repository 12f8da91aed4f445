"""A Merkle tree held in memory, one contiguous buffer per level: for offline proofs and tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from audit.merkle import HASH_SIZE, NodeKey, node_hash


class MemoryTree:
    """Every perfect subtree of a tree, built in linear time from its leaf hashes."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[bytearray] = [bytearray()]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        self.levels[0] += leaf
        level, carry = 0, leaf
        while (len(self.levels[level]) // HASH_SIZE) % 2 == 0:
            row = self.levels[level]
            carry = node_hash(bytes(row[-2 * HASH_SIZE : -HASH_SIZE]), carry)
            level += 1
            if level == len(self.levels):
                self.levels.append(bytearray())
            self.levels[level] += carry

    def node_hashes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        for level, index in keys:
            if level < len(self.levels) and (index + 1) * HASH_SIZE <= len(self.levels[level]):
                start = index * HASH_SIZE
                found[(level, index)] = bytes(self.levels[level][start : start + HASH_SIZE])
        return found

    def leaf_hash(self, index: int) -> bytes:
        return bytes(self.levels[0][index * HASH_SIZE : (index + 1) * HASH_SIZE])
