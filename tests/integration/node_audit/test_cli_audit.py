"""`alliance node` local operations sign their changes into the node's audit log too."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from alliance_cli.main import app
from audit.statements import parse_statement
from audit.store import LogReader

runner = CliRunner()
ORIGIN = "alliance.v1/node/S01"


def run(*args: str, env: dict[str, str]) -> str:
    result = runner.invoke(
        app, ["node", *args], catch_exceptions=False, env={"COLUMNS": "200", **env}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_cli_receipt_is_in_the_audit_log_under_a_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    env = {"ALLIANCE_NODE_AUDIT_KEY_PATH": str(tmp_path / "audit.key")}
    run("init", "--db", database_url, "--member-id", "S01", "--name", "Test Supplier", env=env)
    run(
        "part",
        "add",
        "BRK-1",
        "--description",
        "Brake pad set",
        "--uom",
        "C62",
        "--db",
        database_url,
        env=env,
    )
    run(
        "location",
        "add",
        "A-01",
        "--site",
        "CN",
        "--warehouse",
        "FG",
        "--db",
        database_url,
        env=env,
    )
    run(
        "receive",
        "BRK-1",
        "100",
        "-l",
        "A-01",
        "--lot",
        "L1",
        "--unit-cost",
        "10.00",
        "--po",
        "PO-7",
        "--db",
        database_url,
        env=env,
    )

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        reader = LogReader(ORIGIN)
        statements = [parse_statement(e.statement_bytes) for e in reader.entries(conn)]
        latest = reader.latest_checkpoint(conn)
        size = reader.size(conn)
    engine.dispose()
    (movement,) = [s for s in statements if s.kind == "ledger_movement"]
    assert movement.payload["event_type"] == "stock.purchase_received"
    assert movement.payload["data"]["receipt"]["quantity"] == 100
    assert latest is not None and latest.startswith(f"{ORIGIN}\n{size}\n")  # nothing uncovered


def test_without_the_key_a_cli_change_is_booked_and_the_gap_is_said(
    sqlite_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "audit.key"
    run("init", "--db", sqlite_url, "--member-id", "S01", "--name", "T", "--key", str(key), env={})
    result = runner.invoke(
        app,
        [
            "node",
            "location",
            "add",
            "A-01",
            "--site",
            "CN",
            "--warehouse",
            "FG",
            "--db",
            sqlite_url,
        ],
        env={"ALLIANCE_NODE_AUDIT_KEY_PATH": str(tmp_path / "missing.key")},
    )
    assert result.exit_code == 0
    assert "not written to the node's audit log" in result.output
