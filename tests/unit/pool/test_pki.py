from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509

from pool import pki


def test_issued_certificates_name_role_and_identity_and_are_short_lived() -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    ca = pki.create_ca("Test Alliance", now=now)
    issued = pki.issue(ca, "S01", "node", valid_hours=24, now=now)
    assert pki.identity_of(issued.cert_pem) == ("node", "S01")
    cert = x509.load_pem_x509_certificate(issued.cert_pem)
    assert cert.not_valid_after_utc - now == dt.timedelta(hours=24)
    assert cert.issuer == x509.load_pem_x509_certificate(ca.cert_pem).subject


@pytest.mark.parametrize(
    ("identity", "role", "hours", "message"),
    [("S01", "king", 24, "role"), ("S 01", "node", 24, "identity"), ("S01", "node", 0, "validity")],
)
def test_bad_requests_are_refused_with_the_reason(
    identity: str, role: str, hours: int, message: str
) -> None:
    ca = pki.create_ca("A")
    with pytest.raises(pki.PkiError, match=message):
        pki.issue(ca, identity, role, valid_hours=hours)


def test_keys_are_written_private_and_never_overwritten(tmp_path: Path) -> None:
    ca = pki.create_ca("A")
    key_path, _ = pki.write(tmp_path, "ca", ca)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    with pytest.raises(pki.PkiError, match="overwrite"):
        pki.write(tmp_path, "ca", ca)
    assert pki.read(tmp_path, "ca") == ca


def test_cli_creates_the_ca_and_issues_a_certificate(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pool.pki_cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["init", "--alliance", "East", "--dir", str(tmp_path)]).exit_code == 0
    result = runner.invoke(app, ["issue", "S01", "--role", "node", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert pki.identity_of((tmp_path / "S01.crt").read_bytes()) == ("node", "S01")
    refused = runner.invoke(app, ["issue", "S01", "--role", "node", "--dir", str(tmp_path)])
    assert refused.exit_code == 2
