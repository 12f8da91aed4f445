"""`alliance node` local operations sign their changes into the node's audit log too."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_without_the_key_a_change_is_refused_and_nothing_is_booked(
    database_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "audit.key"
    init = ["init", "--db", database_url, "--member-id", "S01", "--name", "T"]
    run(*init, "--key", str(key), env={})
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        size_before = LogReader(ORIGIN).size(conn)
        locations_before = conn.execute(sa.text("select count(*) from location")).scalar_one()
    no_key = {"ALLIANCE_NODE_AUDIT_KEY_PATH": str(tmp_path / "missing.key"), "COLUMNS": "200"}
    add = ["node", "location", "add", "A-01", "--site", "CN", "--warehouse", "FG"]
    result = runner.invoke(app, [*add, "--db", database_url], env=no_key)
    assert result.exit_code != 0
    assert "keeps a signed audit log" in result.output and "nothing was booked" in result.output
    with engine.connect() as conn:
        assert LogReader(ORIGIN).size(conn) == size_before
        locations_after = conn.execute(sa.text("select count(*) from location")).scalar_one()
        assert locations_after == locations_before
    engine.dispose()
    # Reading the books needs no key.
    assert runner.invoke(app, ["node", "stock", "--db", database_url], env=no_key).exit_code == 0


def test_the_service_opened_without_its_key_refuses_changes_but_reads(
    database_url: str, tmp_path: Path
) -> None:
    from node.service import api
    from node.service.factory import open_node

    run("init", "--db", database_url, "--member-id", "S01", "--name", "T",
        "--key", str(tmp_path / "audit.key"), env={})
    service = open_node(database_url)
    try:
        with pytest.raises(api.PreconditionFailed, match="signed audit log"):
            service.upsert_location(api.LocationIn("CN", "FG", "A-01"))
        assert service.stock_positions() == []
        assert service.node_info().member_id == "S01"
    finally:
        service.close()  # type: ignore[attr-defined]
