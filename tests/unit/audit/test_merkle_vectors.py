"""The public RFC 6962 / RFC 9162 test vectors: tree heads 0..8 and all 196 proof cases."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from audit.memory_tree import MemoryTree
from audit.merkle import EMPTY_ROOT, leaf_hash, root_hash
from audit.proofs import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata" / "merkle"
EXPECTED_CASES = {"inclusion": 98, "consistency": 98}


def _cases(kind: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _case_id(value: object) -> str:
    return value if isinstance(value, str) else ""


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in case["proof"] or []]


def test_vector_counts_are_all_there() -> None:
    counts = {kind: len(_cases(kind)) for kind in EXPECTED_CASES}
    assert counts == EXPECTED_CASES
    assert sum(counts.values()) == 196
    assert sum(1 for kind in EXPECTED_CASES for _, c in _cases(kind) if c["wantErr"]) == 184


def test_tree_heads_for_sizes_0_to_8() -> None:
    data = json.loads((VECTORS / "rfc6962_roots.json").read_text())
    leaves = [bytes.fromhex(h) for h in data["leaf_inputs_hex"]]
    roots = [bytes.fromhex(h) for h in data["root_hex_by_tree_size"]]
    assert len(roots) == 9 and roots[0] == EMPTY_ROOT
    for size, expected in enumerate(roots):
        assert root_hash(leaf_hash(leaf) for leaf in leaves[:size]) == expected


def test_proofs_between_the_eight_leaf_trees_match_their_roots() -> None:
    data = json.loads((VECTORS / "rfc6962_roots.json").read_text())
    hashes = [leaf_hash(bytes.fromhex(h)) for h in data["leaf_inputs_hex"]]
    roots = [bytes.fromhex(h) for h in data["root_hex_by_tree_size"]]
    tree = MemoryTree(hashes)
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(tree, index, size)
            verify_inclusion(hashes[index], index, size, proof, roots[size])
        for old in range(1, size + 1):
            proof = consistency_proof(tree, old, size)
            verify_consistency(old, size, proof, roots[old], roots[size])


@pytest.mark.parametrize(
    ("name", "case"), _cases("inclusion"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_inclusion_vector(name: str, case: dict[str, Any]) -> None:
    def check() -> None:
        verify_inclusion(
            _b64(case["leafHash"]),
            case["leafIdx"],
            case["treeSize"],
            _proof(case),
            _b64(case["root"]),
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize(
    ("name", "case"), _cases("consistency"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_consistency_vector(name: str, case: dict[str, Any]) -> None:
    def check() -> None:
        verify_consistency(
            case["size1"], case["size2"], _proof(case), _b64(case["root1"]), _b64(case["root2"])
        )

    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()
