"""Webhook signatures: HMAC-SHA256 over `<timestamp ms>.<body>` with the tenant's secret."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Alliance-Signature"


def signature_header(secret: str, timestamp_ms: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_ms},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, now_ms: int, tolerance_ms: int = 300_000
) -> bool:
    """What a tenant runs: the signature matches and the timestamp is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp_ms = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now_ms - timestamp_ms) > tolerance_ms:
        return False
    expected = signature_header(secret, timestamp_ms, body)
    return hmac.compare_digest(expected, header)
