"""Ed25519 signing and verification over bytes, through libsodium (PyNaCl) when installed.

libsodium verifies about twice as fast as OpenSSL on our machines, which is what brings the
verification of a million-entry export under a minute; `cryptography` is the fallback.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

try:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import SigningKey, VerifyKey
except ImportError:  # pragma: no cover - exercised only where PyNaCl is missing
    SigningKey = VerifyKey = None  # type: ignore[assignment,misc]

SIGNATURE_SIZE = 64


class Signer:
    """Signs messages with one Ed25519 private key; `public_key` is the raw 32-byte key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        seed = private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._nacl = SigningKey(seed) if SigningKey is not None else None
        self._openssl = private_key

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        if self._nacl is not None:
            return bytes(self._nacl.sign(message).signature)
        return self._openssl.sign(message)


class Verifier:
    """Verifies signatures made by one public key (checked with `audit.keys` beforehand)."""

    def __init__(self, public_key: bytes) -> None:
        self.public_key = bytes(public_key)
        if VerifyKey is not None:
            self._nacl = VerifyKey(self.public_key)
        else:  # pragma: no cover
            self._openssl = Ed25519PublicKey.from_public_bytes(self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        if VerifyKey is not None:
            try:
                self._nacl.verify(message, signature)
            except BadSignatureError:
                return False
            return True
        try:  # pragma: no cover
            self._openssl.verify(signature, message)
        except InvalidSignature:
            return False
        return True
