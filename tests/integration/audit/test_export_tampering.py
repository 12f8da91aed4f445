"""Any single-byte change of an export is caught by `verify`: every byte position of a small
cosigned export, with random replacement bytes, gives a precise error and never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance_cli.main import app
from audit.ed25519 import Signer
from audit.verify import VerificationError, verify_export
from audit.witness import Witness

from .conftest import cosign_latest, export, fill, open_log


@pytest.fixture(scope="module")
def cosigned_export(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    base = tmp_path_factory.mktemp("tamper")
    log = open_log(f"sqlite:///{base / 'log.db'}", Signer.generate())
    witnesses = [Witness(f"w{i}.example/witness", Signer.generate()) for i in (1, 2)]
    fill(log, 5)
    for witness in witnesses:
        cosign_latest(log, witness, f"sqlite:///{base / (witness.name[:2] + '.db')}", 0)
    log.register_member_key("bolt-co", Signer.generate().public_key)
    fill(log, 3, start=5)
    for witness in witnesses:
        cosign_latest(log, witness, f"sqlite:///{base / (witness.name[:2] + '.db')}", 5)
    path = export(log, base / "log.jsonl")
    log.close()
    verify_export(path)  # the untouched export verifies
    return path.read_bytes()


def _regions(data: bytes) -> dict[str, range]:
    first = data.index(b"\n") + 1
    last = data.rindex(b"\n", 0, len(data) - 1) + 1
    cosignature = data.index("\\n\u2014 w1.example".encode(), last)
    return {
        "header": range(0, first),
        "entries": range(first, last),
        "checkpoint and log signature": range(last, cosignature),
        "cosignatures": range(cosignature, len(data)),
    }


def test_every_single_byte_change_is_detected(cosigned_export: bytes, tmp_path: Path) -> None:
    rng = random.Random(20261125)
    data = cosigned_export
    path = tmp_path / "tampered.jsonl"
    regions = _regions(data)
    # A broad sample: 250 positions in each part of the file, plus 800 anywhere.
    samples = {(name, p) for name, r in regions.items() for p in rng.sample(r, min(250, len(r)))}
    for position in rng.sample(range(len(data)), 800):
        samples.add((next(n for n, r in regions.items() if position in r), position))
    caught: dict[str, int] = {}
    for region, position in sorted(samples, key=lambda s: s[1]):
        replacement = data[position] ^ rng.randrange(1, 256)
        path.write_bytes(data[:position] + bytes([replacement]) + data[position + 1 :])
        with pytest.raises(VerificationError):
            verify_export(path, workers=1)
            context = data[max(0, position - 40) : position + 40]
            pytest.fail(f"{region} byte {position} -> {replacement!r} missed: {context!r}")
        caught[region] = caught.get(region, 0) + 1
    assert all(caught[name] >= min(250, len(r)) for name, r in regions.items())
    assert sum(caught.values()) == len(samples) > 1500


def test_cli_reports_tampering_precisely_without_traceback(
    cosigned_export: bytes, tmp_path: Path
) -> None:
    runner = CliRunner()
    path = tmp_path / "log.jsonl"
    path.write_bytes(cosigned_export)
    assert runner.invoke(app, ["audit", "verify", str(path)]).exit_code == 0
    lines = cosigned_export.split(b"\n")
    # A quantity in entry 3 changed: still valid JSON, so the signature must catch it.
    lines[4] = lines[4].replace(b'"quantity_delta":-3', b'"quantity_delta":-2')
    path.write_bytes(b"\n".join(lines))
    result = runner.invoke(app, ["audit", "verify", str(path)])
    assert result.exit_code == 1
    assert "entry 3: signature of member 'acme' does not verify" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Broken JSON in the header: a clear parse error naming the header.
    path.write_bytes(cosigned_export.replace(b'"origin":', b'"origin";', 1))
    result = runner.invoke(app, ["audit", "verify", str(path)])
    assert result.exit_code == 1 and "header: not valid JSON" in result.output
    assert "Traceback" not in result.output
    # A dropped entry line: the count no longer matches.
    path.write_bytes(b"\n".join(lines[:3] + lines[4:]))
    result = runner.invoke(app, ["audit", "verify", str(path)])
    assert result.exit_code == 1 and "entry 2: line does not start as entry 2" in result.output
