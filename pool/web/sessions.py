"""Dashboard sessions: the login exchanges an operator key for a random session token, so
the cookie never holds the key and the live fragments do not spend the key's rate limit."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from pool.service.api import Principal

SESSION_TTL_S = 12 * 3600
MAX_SESSIONS = 1000


@dataclass(frozen=True)
class Session:
    principal: Principal
    expires_at_s: float


class SessionStore:
    """In memory: a coordinator restart logs everyone out, which is acceptable for staff."""

    def __init__(self, ttl_s: float = SESSION_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, principal: Principal) -> str:
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._drop_expired(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda t: self._sessions[t].expires_at_s)
                del self._sessions[oldest]
            self._sessions[token] = Session(principal, now + self._ttl_s)
        return token

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.expires_at_s < time.monotonic():
                self._sessions.pop(token, None)
                return None
            return session.principal

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def _drop_expired(self, now: float) -> None:
        for token in [t for t, s in self._sessions.items() if s.expires_at_s < now]:
            del self._sessions[token]
