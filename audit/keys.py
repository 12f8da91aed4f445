"""Ed25519 key files for audit signing, and the check that refuses weak public keys."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

PUBLIC_KEY_SIZE = 32
PRIVATE_KEY_MODE = 0o600

# Curve25519 in twisted Edwards form: -x^2 + y^2 = 1 + d x^2 y^2 over GF(p).
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
# Order of the prime-order subgroup every honestly generated public key lies in.
_L = 2**252 + 27742317777372353535851937790883648493


class KeyFileError(Exception):
    """A key file is missing, already present, or not an Ed25519 private key."""


class WeakPublicKeyError(ValueError):
    """A public key is malformed, non-canonical, small-order, or outside the prime-order group."""


def generate_keypair(private_key_path: Path) -> bytes:
    """Write a new Ed25519 private key (PKCS#8 PEM, mode 0600) and return the raw public key.

    The file is created with O_EXCL and mode 0600 in the same system call, so it is never
    readable by others, not even for an instant, and an existing key is never overwritten.
    """
    private_key_path = Path(private_key_path)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(private_key_path, flags, PRIVATE_KEY_MODE)
    except FileExistsError:
        raise KeyFileError(f"refusing to overwrite existing key file {private_key_path}") from None
    try:
        # umask can only clear bits; fchmod makes the mode exactly 0600 whatever the umask.
        os.fchmod(fd, PRIVATE_KEY_MODE)
        os.write(fd, pem)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        private_key_path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return public_key_bytes(key)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from a PEM (PKCS#8) file or a raw 32-byte seed file."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {path}") from None
    if len(data) == PUBLIC_KEY_SIZE and not data.startswith(b"-----"):
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key_bytes(private_key_path: Path) -> bytes:
    """The raw 32-byte public key of the private key stored at `private_key_path`."""
    return public_key_bytes(load_private_key(private_key_path))


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def verified_public_key(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key object, after `check_public_key` accepted the raw bytes."""
    check_public_key(raw)
    return Ed25519PublicKey.from_public_bytes(raw)


def check_public_key(raw: bytes) -> None:
    """Refuse any public key other than a canonical point of the prime-order subgroup.

    Rejected: wrong length, y >= p or "negative zero" x (non-canonical encodings), points not
    on the curve, the 8 small-order points, and mixed-order points (a prime-order point plus a
    torsion component). A key made by any correct Ed25519 implementation is never rejected.
    """
    if not isinstance(raw, bytes | bytearray) or len(raw) != PUBLIC_KEY_SIZE:
        size = len(raw) if isinstance(raw, bytes | bytearray) else type(raw).__name__
        raise WeakPublicKeyError(f"an Ed25519 public key is 32 bytes, got {size}")
    _check_point(bytes(raw))


@functools.lru_cache(maxsize=4096)  # verifiers meet the same few keys again and again
def _check_point(raw: bytes) -> None:
    point = _decode_point(bytes(raw))
    if _is_identity(_multiply(point, 8)):
        raise WeakPublicKeyError(f"public key {raw.hex()} is a small-order (weak) point")
    if not _is_identity(_multiply(point, _L)):
        raise WeakPublicKeyError(f"public key {raw.hex()} has a small-order component")


def _decode_point(raw: bytes) -> _Point:
    encoded = int.from_bytes(raw, "little")
    x_is_odd = encoded >> 255
    y = encoded & ((1 << 255) - 1)
    if y >= _P:
        raise WeakPublicKeyError(f"public key {raw.hex()} is not canonical (y >= p)")
    y2 = y * y % _P
    x2 = (y2 - 1) * pow(_D * y2 + 1, -1, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        raise WeakPublicKeyError(f"public key {raw.hex()} is not a point on the curve")
    if x == 0 and x_is_odd:
        raise WeakPublicKeyError(f"public key {raw.hex()} is not canonical (x = -0)")
    if x & 1 != x_is_odd:
        x = _P - x
    return x, y, 1, x * y % _P


# Points in extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z: no inversions.
_Point = tuple[int, int, int, int]
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(a: _Point, b: _Point) -> _Point:
    # Unified addition for a = -1 (Hisil-Wong-Carter-Dawson); complete because d is not a
    # square, so it also doubles and handles the identity.
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    big_a = (y1 - x1) * (y2 - x2) % _P
    big_b = (y1 + x1) * (y2 + x2) % _P
    big_c = 2 * _D * t1 * t2 % _P
    big_d = 2 * z1 * z2 % _P
    e, f, g, h = big_b - big_a, big_d - big_c, big_d + big_c, big_b + big_a
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _multiply(point: _Point, scalar: int) -> _Point:
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _is_identity(point: _Point) -> bool:
    x, y, z, _ = point
    return x % _P == 0 and (y - z) % _P == 0
