"""POSTs one signed webhook; any non-2xx answer or transport error is a failure to retry."""

from __future__ import annotations

import httpx

from pool.domain.webhooks import SIGNATURE_HEADER, signature_header


class WebhookFailed(Exception):
    pass


class WebhookSender:
    def __init__(self, timeout_s: float) -> None:
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def send(self, url: str, secret: str, body: bytes, timestamp_ms: int, event: str) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(secret, timestamp_ms, body),
            "Alliance-Event": event,
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise WebhookFailed(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookFailed(f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
