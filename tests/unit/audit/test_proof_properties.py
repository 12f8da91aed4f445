"""Every proof the tree produces verifies, for random tree sizes up to 20,000; any change to
a proof, root, index or size makes it fail."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.memory_tree import MemoryTree
from audit.merkle import CompactRange, leaf_hash, node_hash, root_hash, split_point
from audit.proofs import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    root_at,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 20_000
LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX_SIZE)]
TREE = MemoryTree(LEAVES)  # all perfect subtrees of the largest tree: ~40k hashes, built once
# Roots of every prefix, by an independent path (compact range), for the oracle.
PREFIX_ROOTS = [b""] * (MAX_SIZE + 1)
_compact = CompactRange()
PREFIX_ROOTS[0] = _compact.root()
for _i, _leaf in enumerate(LEAVES, 1):
    _compact.append(_leaf)
    PREFIX_ROOTS[_i] = _compact.root()


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


sizes = st.integers(min_value=1, max_value=MAX_SIZE)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_inclusion_proofs_verify(data: st.DataObject) -> None:
    size = data.draw(sizes)
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(TREE, index, size)
    root = PREFIX_ROOTS[size]
    verify_inclusion(LEAVES[index], index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index, size, proof, PREFIX_ROOTS[size - 1])
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else None
    if other is not None:
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], other, size, proof, root)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        tampered = list(proof)
        tampered[position] = bytes([tampered[position][0] ^ 1]) + tampered[position][1:]
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], index, size, tampered, root)
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], index, size, proof[:-1], root)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_consistency_proofs_verify(data: st.DataObject) -> None:
    size2 = data.draw(sizes)
    size1 = data.draw(st.integers(1, size2))
    proof = consistency_proof(TREE, size1, size2)
    verify_consistency(size1, size2, proof, PREFIX_ROOTS[size1], PREFIX_ROOTS[size2])
    if size1 < size2:
        with pytest.raises(ProofError):
            verify_consistency(
                size1, size2, proof, PREFIX_ROOTS[size1 - 1] or b"x" * 32, PREFIX_ROOTS[size2]
            )
        with pytest.raises(ProofError):
            verify_consistency(
                size1, size2, proof + [PREFIX_ROOTS[1]], PREFIX_ROOTS[size1], PREFIX_ROOTS[size2]
            )
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof[:-1], PREFIX_ROOTS[size1], PREFIX_ROOTS[size2])


@settings(max_examples=200, deadline=None)
@given(sizes)
def test_roots_from_stored_subtrees_match_the_compact_range(size: int) -> None:
    assert root_at(TREE, size) == PREFIX_ROOTS[size]


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_roots_match_the_rfc_definition(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    assert root_hash(hashes) == naive_root(hashes)
    tree = MemoryTree(hashes)
    assert root_at(tree, len(hashes)) == naive_root(hashes)
