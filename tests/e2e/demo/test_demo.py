"""`alliance demo --no-wait`, the README's main job, as a user runs it: a fresh process."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from node.launcher import alliance_command


def test_the_demo_plans_confirms_and_audits_an_urgent_order(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *alliance_command(
                "demo", "--no-wait", "--workdir", str(tmp_path / "demo"), "--port", "0"
            )
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"POST /v1/demands → \S+ \(received\)", out)
    assert "12/12 node ledgers reconcile" in out
    # Every node's log and the coordinator's exported and verified offline.
    verified = re.findall(r"✓ (\S+)\s+\d+ entries", out)
    assert len(verified) == 13 and "✗" not in out, out
    assert len(list((tmp_path / "demo" / "audit").iterdir())) >= 13
    finished = re.search(r"demo finished in ([0-9.]+) s", out)
    assert finished, out
