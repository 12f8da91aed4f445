"""Key files and the refusal of weak Ed25519 public keys."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.keys import (
    KeyFileError,
    WeakPublicKeyError,
    check_public_key,
    generate_keypair,
    load_private_key,
    load_public_key_bytes,
    public_key_bytes,
    verified_public_key,
)

# The eight points of order 1, 2, 4 and 8, in their canonical encodings.
SMALL_ORDER_POINTS = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
]

NON_CANONICAL = {
    "y = p": "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "y = p + 1": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "y = 2^255 - 1": "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "identity with x = -0": "0100000000000000000000000000000000000000000000000000000000000080",
    "order 2 with x = -0": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
}


def test_generate_writes_0600_pem_and_returns_its_public_key(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    old_umask = os.umask(0)  # even a permissive umask must not widen the mode
    try:
        public = generate_keypair(path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert len(public) == 32
    assert load_public_key_bytes(path) == public
    check_public_key(public)


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    generate_keypair(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        generate_keypair(path)
    assert path.read_bytes() == before


def test_load_private_key_accepts_raw_seed(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path = tmp_path / "raw.key"
    path.write_bytes(seed)
    assert public_key_bytes(load_private_key(path)) == public_key_bytes(key)


def test_load_private_key_reports_missing_and_garbage(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no key file"):
        load_private_key(tmp_path / "absent.key")
    junk = tmp_path / "junk.key"
    junk.write_bytes(b"not a key at all")
    with pytest.raises(KeyFileError, match="not an unencrypted PEM"):
        load_private_key(junk)


@pytest.mark.parametrize("hex_point", SMALL_ORDER_POINTS)
def test_small_order_points_are_refused(hex_point: str) -> None:
    with pytest.raises(WeakPublicKeyError):
        check_public_key(bytes.fromhex(hex_point))


@pytest.mark.parametrize("hex_point", list(NON_CANONICAL.values()), ids=list(NON_CANONICAL))
def test_non_canonical_encodings_are_refused(hex_point: str) -> None:
    with pytest.raises(WeakPublicKeyError, match="not canonical"):
        check_public_key(bytes.fromhex(hex_point))


def test_mixed_order_point_is_refused() -> None:
    # A valid key plus the order-2 point (0, -1) = the same key with x and y negated.
    good = public_key_bytes(Ed25519PrivateKey.generate())
    y = int.from_bytes(good, "little") & ((1 << 255) - 1)
    sign = good[31] >> 7
    p = 2**255 - 19
    neg_y = (p - y) % p
    # Negating x flips the sign bit unless x == 0 (never for a prime-order point).
    mixed = (neg_y | ((sign ^ 1) << 255)).to_bytes(32, "little")
    with pytest.raises(WeakPublicKeyError, match="small-order component"):
        check_public_key(mixed)


def test_off_curve_and_wrong_length_are_refused() -> None:
    with pytest.raises(WeakPublicKeyError, match="32 bytes"):
        check_public_key(b"\x01" * 31)
    # y = 2 has no x on the curve.
    with pytest.raises(WeakPublicKeyError, match="not a point on the curve"):
        check_public_key((2).to_bytes(32, "little"))


def test_honest_keys_are_accepted() -> None:
    for _ in range(20):
        raw = public_key_bytes(Ed25519PrivateKey.generate())
        assert verified_public_key(raw).public_bytes_raw() == raw
