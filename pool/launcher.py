"""The coordinator as its own OS process (`alliance pool serve`), so kill -9 is a real crash."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from node.launcher import alliance_command
from pool.adapters.leader import STANDBY_LINE
from pool.settings import PoolSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(settings: PoolSettings) -> dict[str, str]:
    """The settings as ALLIANCE_POOL_* variables, for the process to read back exactly."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"ALLIANCE_POOL_{name.upper()}"] = str(value)
    return env


@dataclass
class CoordinatorProcess:
    settings: PoolSettings
    log_path: Path
    cwd: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.http_host}:{self.settings.http_port}"

    def start(self, timeout_s: float = 60, *, standby: bool = False) -> float:
        """Start and wait until the HTTP edge answers, or with `standby` until the process
        stands by for the leader lease (another one is active); returns the seconds it took."""
        started = time.monotonic()
        self._log = self._log or open(self.log_path, "ab")  # noqa: SIM115 - kept across restarts
        self._log.flush()
        offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            alliance_command("pool", "serve"),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **settings_env(self.settings)},
            cwd=self.cwd,
        )
        self.starts += 1
        ready = (lambda: self._standing_by(offset)) if standby else self.healthy
        while not ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"the coordinator exited; see {self.log_path}")
            if time.monotonic() - started > timeout_s:
                self.kill()
                raise TimeoutError(f"the coordinator did not answer; see {self.log_path}")
            time.sleep(0.05)
        return time.monotonic() - started

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self, timeout_s: float = 20) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _standing_by(self, offset: int) -> bool:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return STANDBY_LINE.encode() in log.read()

    def healthy(self) -> bool:
        """Whether this address's HTTP edge answers (whichever process holds the lease)."""
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False
