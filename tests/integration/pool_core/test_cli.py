"""`alliance pool`: init, member add (audit key fetched over mTLS), list, revoke, tenant, keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance_cli.main import app
from pool.service.api import Principal, Role
from pool.service.factory import open_coordinator
from pool.settings import PoolSettings
from tests.integration.pool_core.conftest import Alliance


def test_pool_cli_sets_up_members_tenants_and_keys(
    alliance: Alliance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = alliance.add_node("S01")
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ALLIANCE_POOL_DATABASE_URL", url)
    monkeypatch.setenv("ALLIANCE_POOL_TLS_DIR", str(alliance.pki_dir))
    monkeypatch.setenv("ALLIANCE_POOL_AUDIT_KEY_PATH", str(tmp_path / "audit.key"))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, ["pool", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "ready" in run("init")
    run("member", "add", "S01", "--endpoint", node.endpoint)
    assert "S01" in run("member", "list")
    tenant_out = run("tenant", "add", "OEM1", "--name", "Automaker")
    api_key = next(x.split("=", 1)[1] for x in tenant_out.splitlines() if x.startswith("api_key="))
    op_key = (
        run("key", "issue", "--role", "operator", "--subject", "alice").strip().split("=", 1)[1]
    )
    run("member", "revoke", "S01")

    coordinator = open_coordinator(
        PoolSettings(
            database_url=url, tls_dir=alliance.pki_dir, audit_key_path=tmp_path / "audit.key"
        )
    )
    try:
        [member] = coordinator.members(Principal(Role.OPERATOR, "t"))
        assert member.audit_public_key == node.public_key  # learnt from GetNodeInfo over mTLS
        assert not member.active
        assert coordinator.authenticate(api_key) == Principal(Role.AUTOMAKER, "OEM1")
        assert coordinator.authenticate(op_key) == Principal(Role.OPERATOR, "alice")
    finally:
        coordinator.close()
