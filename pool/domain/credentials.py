"""API keys and webhook secrets: generated at random, stored only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "ak"


def new_api_key() -> tuple[str, str]:
    """(key id, full key). The id is public (it finds the row); the rest is the secret."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(api_key: str) -> str | None:
    prefix, _, rest = api_key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        return None
    return key_id


def hash_api_key(server_secret: str, api_key: str) -> str:
    # HMAC under a server secret: a leaked table alone does not allow offline guessing, and a
    # 256-bit random key needs no slow hash.
    return hmac.new(server_secret.encode(), api_key.encode(), hashlib.sha256).hexdigest()


def key_matches(server_secret: str, api_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(server_secret, api_key), stored_hash)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)
