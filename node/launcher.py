"""Start a node as a separate OS process and wait until it serves (tests, bench, demo)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import grpc

READY_PREFIX = "LISTENING "


@dataclass
class NodeProcess:
    """A running `alliance node serve` process and the addresses it listens on."""

    process: subprocess.Popen[str]
    alliance_target: str
    admin_target: str
    output: list[str] = field(default_factory=list)

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.alliance_target)

    def admin_channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.admin_target)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def stop(self, timeout_s: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        return self.process.returncode


def alliance_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "alliance_cli.main", *args]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run an `alliance` sub-command to completion; raises with its output on failure."""
    result = subprocess.run(
        alliance_command(*args), capture_output=True, text=True, env=_env(env), timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"alliance {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def start_node(
    database_url: str,
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout_s: float = 60,
    cwd: Path | None = None,
) -> NodeProcess:
    """`alliance node serve` on free loopback ports; returns once it prints its addresses."""
    process = subprocess.Popen(
        alliance_command(
            "node", "serve", "--db", database_url, "--port", "0", "--admin-port", "0", *extra_args
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(env),
        cwd=cwd,
    )
    output: list[str] = []
    ready = threading.Event()
    targets: dict[str, str] = {}

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith(READY_PREFIX) and not ready.is_set():
                targets.update(kv.split("=", 1) for kv in line[len(READY_PREFIX) :].split())
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(timeout_s) or "alliance" not in targets:
        process.kill()
        raise RuntimeError("node did not start:\n" + "\n".join(output))
    return NodeProcess(process, targets["alliance"], targets["admin"], output)


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra or {})
    return env
