"""`alliance audit` end to end: keygen, export, verify (trusted key, previous checkpoint),
prove and verify-proof, and the errors a user sees."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance_cli.main import app
from audit.ed25519 import Signer
from audit.keys import load_private_key
from audit.log import AuditLog

from .conftest import ORIGIN, fill, open_log

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def keyed_log(tmp_path: Path) -> tuple[AuditLog, str, Path]:
    code, output = invoke("keygen", str(tmp_path / "log.key"), "--name", ORIGIN)
    assert code == 0, output
    url = f"sqlite:///{tmp_path / 'log.db'}"
    log = open_log(url, Signer(load_private_key(tmp_path / "log.key")))
    return log, url, tmp_path / "log.key.pub"


def test_keygen_writes_0600_and_refuses_to_overwrite(tmp_path: Path) -> None:
    code, output = invoke("keygen", str(tmp_path / "k.key"), "--name", "w.example/1")
    assert code == 0 and "verifier key: w.example/1+" in output
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    assert (tmp_path / "k.key.pub").read_text().startswith("w.example/1+")
    code, output = invoke("keygen", str(tmp_path / "k.key"))
    assert code == 1 and "refusing to overwrite" in output


def test_export_verify_prove_round_trip(
    keyed_log: tuple[AuditLog, str, Path], tmp_path: Path
) -> None:
    log, url, vkey = keyed_log
    code, output = invoke("export", "--db", url, "--out", str(tmp_path / "x.jsonl"))
    assert code == 1 and "no signed checkpoint" in output
    fill(log, 10)
    early = tmp_path / "early.cp"
    early.write_text(log.checkpoint())
    fill(log, 7, start=10)
    code, output = invoke(
        "checkpoint", "--db", url, "--key", str(tmp_path / "log.key"), "--origin", ORIGIN
    )
    assert code == 0 and output.startswith(f"{ORIGIN}\n17\n")
    fill(log, 2, start=17)
    out = tmp_path / "log.jsonl"
    code, output = invoke("export", "--db", url, "--out", str(out))
    assert code == 0 and "exported 17 entries" in output and "2 newer entries" in output

    code, output = invoke(
        "verify", str(out), "--trusted-key", str(vkey), "--previous-checkpoint", str(early)
    )
    assert code == 0, output
    assert "OK: 17 entries" in output and "extends the previous checkpoint of size 10" in output
    code, output = invoke("verify", str(out), "--trusted-key", Signer.generate().public_key.hex())
    assert code == 1 and "--trusted-key" in output
    other = Signer.generate().public_key
    import base64

    code, output = invoke("verify", str(out), "--trusted-key", base64.b64encode(other).decode())
    assert code == 1 and "not a trusted key" in output

    bundle = tmp_path / "entry.json"
    code, output = invoke("prove", str(out), "--entry", "11", "--out", str(bundle))
    assert code == 0, output
    code, output = invoke("verify-proof", str(bundle), "--trusted-key", str(vkey))
    assert code == 0 and "OK: entry 11 (ledger_movement by acme" in output
    document = json.loads(bundle.read_text())
    document["statement"] = document["statement"].replace('"m-11"', '"m-12"')
    bundle.write_text(json.dumps(document))
    code, output = invoke("verify-proof", str(bundle))
    assert code == 1 and "signature of member 'acme' does not verify" in output
    code, output = invoke("prove", str(out), "--entry", "17")
    assert code == 1 and "not in a log of 17" in output
    log.close()


def test_verify_detects_a_rewritten_history(
    keyed_log: tuple[AuditLog, str, Path], tmp_path: Path
) -> None:
    log, url, vkey = keyed_log
    fill(log, 6)
    earlier = tmp_path / "earlier.cp"
    earlier.write_text(log.checkpoint())
    # The log owner rewrites history with the same key in a fresh database.
    forged = open_log(f"sqlite:///{tmp_path / 'forged.db'}", log.store.signer)
    fill(forged, 9, start=50)
    forged.checkpoint()
    out = tmp_path / "forged.jsonl"
    assert (
        invoke("export", "--db", f"sqlite:///{tmp_path / 'forged.db'}", "--out", str(out))[0] == 0
    )
    code, output = invoke("verify", str(out), "--trusted-key", str(vkey))
    assert code == 0  # internally consistent...
    code, output = invoke("verify", str(out), "--previous-checkpoint", str(earlier))
    assert code == 1 and "not consistent with the previous checkpoint" in output  # ...but caught
    log.close()
    forged.close()
