"""Every request locust reports, one CSV row each, for the report's time series."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

FIELDS = ("start_s", "type", "name", "ms", "ok", "error", "target", "detail")


def error_kind(exception: BaseException | None) -> str:
    """A short, stable name for what went wrong: what errors are grouped and judged by."""
    if exception is None:
        return ""
    kind = getattr(exception, "kind", None)
    if isinstance(kind, str):
        return kind
    code = getattr(exception, "code", None)
    if callable(code):
        try:
            return f"grpc {code().name}"
        except Exception:  # noqa: BLE001 - not a grpc.Call after all
            pass
    text = str(exception).splitlines()[0] if str(exception) else ""
    if type(exception).__name__ == "CatchResponseError":
        return text[:160]  # the automaker's own words: "http 503", "http transport: ..."
    return f"{type(exception).__name__}: {text}"[:160]


class Recorder:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(FIELDS)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        context: dict[str, Any] | None = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        context = context or {}
        started = start_time if start_time is not None else time.time() - response_time / 1000
        self._csv.writerow(
            (
                f"{started:.3f}",
                request_type,
                name,
                f"{response_time:.1f}",
                0 if exception is not None else 1,
                error_kind(exception),
                context.get("target", ""),
                context.get("detail", ""),
            )
        )

    def close(self) -> None:
        self._file.close()
