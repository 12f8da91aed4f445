"""`alliance node ...` local operations, straight on the database (no server)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance_cli.main import app
from node.sample_data import PARTS, SAFETY_STOCK, sample_stock_csv
from node.service.factory import open_node

runner = CliRunner()


def run(*args: str, ok: bool = True, env: dict[str, str] | None = None) -> str:
    env = {"COLUMNS": "200", **(env or {})}
    result = runner.invoke(app, ["node", *args], catch_exceptions=False, env=env)
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1, result.output
    return result.output


@pytest.fixture(autouse=True)
def audit_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The nodes these tests initialise sign their changes with this key."""
    key = tmp_path / "keys" / "audit.key"
    monkeypatch.setenv("ALLIANCE_NODE_AUDIT_KEY_PATH", str(key))
    return key


def set_up(database_url: str, tmp_path: Path) -> str:
    run(
        "init",
        "--db",
        database_url,
        "--member-id",
        "S01",
        "--name",
        "Test Supplier",
        "--key",
        str(tmp_path / "keys" / "audit.key"),
    )
    run(
        "part",
        "add",
        "BRK-1",
        "--description",
        "Brake pad set",
        "--uom",
        "C62",
        "--shelf-life-days",
        "1825",
        "--alias",
        "HB-1",
        "--list-price",
        "21.90",
        "--db",
        database_url,
    )
    for location in ("A-01", "A-02"):
        run(
            "location",
            "add",
            location,
            "--site",
            "CN-NGB",
            "--warehouse",
            "FG",
            "--db",
            database_url,
        )
    return database_url


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path) -> str:
    """A node with one part and two locations on SQLite (the CLI is the same on both stores)."""
    return set_up(sqlite_url, tmp_path)


@pytest.fixture
def db_on_both(database_url: str, tmp_path: Path) -> str:
    """The same on SQLite and on PostgreSQL, for what depends on the store's transactions."""
    return set_up(database_url, tmp_path)


def state(database_url: str) -> tuple[object, ...]:
    service = open_node(database_url)
    try:
        return service.pool_shares(), service.stock_positions(), service.last_sequence()
    finally:
        close = getattr(service, "close", None)
        if callable(close):
            close()


def test_init_creates_the_database_directory_and_a_private_audit_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'deep' / 'node.db'}"
    key = tmp_path / "keys" / "audit.key"
    output = run(
        "init", "--db", url, "--member-id", "S07", "--name", "Brakes Ltd", "--key", str(key)
    )
    assert (tmp_path / "var" / "deep" / "node.db").exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    service = open_node(url)
    info = service.node_info()
    assert (info.member_id, info.member_name) == ("S07", "Brakes Ltd")
    assert len(info.audit_public_key) == 32 and info.audit_public_key.hex() in output


def test_init_with_sample_loads_parts_stock_and_pool_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    run(
        "init",
        "--db",
        url,
        "--member-id",
        "S01",
        "--name",
        "Huadong Brake Systems Co.",
        "--key",
        str(tmp_path / "audit.key"),
        "--sample",
    )
    service = open_node(url)
    positions = {p.part_number: p for p in service.stock_positions()}
    assert set(positions) == {p.part_number for p in PARTS}
    pads = positions["BRK-PAD-F-0451"]
    assert pads.quantity_on_hand == 1240 and pads.blocked_quantity == 120
    assert pads.pool_share.contributed_quantity == SAFETY_STOCK["BRK-PAD-F-0451"] * 3 // 10
    assert positions["HOS-COOL-U-0855"].pool_share.opted_out
    assert service.reconcile().balanced

    table = run("stock", "--lots", env={"ALLIANCE_NODE_DATABASE_URL": url})  # settings from env
    assert "BRK-PAD-F-0451" in table and "P0451-2611Q" in table and "quarantine" in table
    pool = run("pool", "--db", url)
    assert "WHB-G3-F-0620" in pool and "HOS-COOL-U-0855" not in pool  # opted out


def test_stock_movements_from_the_command_line(db_on_both: str) -> None:
    db = db_on_both
    out = run(
        "receive",
        "BRK-1",
        "100",
        "-l",
        "A-01",
        "--lot",
        "L1",
        "--unit-cost",
        "10.00",
        "--production-date",
        "2026-10-01",
        "--po",
        "PO-7",
        "--db",
        db,
    )
    assert "payable 1,000.00 EUR" in out
    run(
        "receive",
        "BRK-1",
        "20",
        "-l",
        "A-02",
        "--lot",
        "L2",
        "--unit-cost",
        "13",
        "--quality",
        "quarantine",
        "--db",
        db,
    )
    out = run(
        "ship",
        "BRK-1",
        "10",
        "--so",
        "SO-1",
        "--customer",
        "DEALER",
        "--unit-price",
        "20",
        "--db",
        db,
    )
    assert "receivable 200.00 EUR" in out
    run("transfer", "BRK-1", "5", "--lot", "L1", "--from", "A-01", "--to", "A-02", "--db", db)
    out = run("count", "BRK-1", "80", "--lot", "L1", "-l", "A-01", "--db", db)
    assert "-5" in out
    run("quality", "BRK-1", "L2", "released", "--db", db)
    out = run("safety-stock", "BRK-1", "200", "--db", db)
    assert "pool share 60" in out
    run(
        "capacity",
        "BRK-1",
        "--per-day",
        "400",
        "--lead-time-days",
        "3",
        "--unit-price",
        "19.80",
        "--db",
        db,
    )
    run(
        "lane",
        "DEWOB",
        "--cost-per-unit",
        "0.85",
        "--fixed-cost",
        "420",
        "--transit-hours",
        "30",
        "--db",
        db,
    )
    out = run("pool-policy", "BRK-1", "--opt-out", "--db", db)
    assert "opted out" in out
    run("pool-policy", "BRK-1", "--opt-in", "--db", db)
    assert "balanced" in run("reconcile", "--db", db)

    service = open_node(db)
    (position,) = service.stock_positions(["BRK-1"])
    assert {(b.lot_number, b.location_id): b.quantity_on_hand for b in position.balances} == {
        ("L1", "A-01"): 80,
        ("L1", "A-02"): 5,
        ("L2", "A-02"): 20,
    }
    assert position.quantity_on_hand == position.available_quantity == 105


def test_errors_are_one_line_and_exit_non_zero(db: str, tmp_path: Path) -> None:
    before = state(db)
    out = run(
        "receive",
        "NOPE-9",
        "5",
        "-l",
        "A-01",
        "--unit-cost",
        "1",
        "--uom",
        "C62",
        "--db",
        db,
        ok=False,
    )
    assert "NOPE-9" in out and "Traceback" not in out
    out = run(
        "receive",
        "BRK-1",
        "0",
        "-l",
        "A-01",
        "--lot",
        "L1",
        "--unit-cost",
        "1",
        "--db",
        db,
        ok=False,
    )
    assert "quantity" in out
    out = run(
        "receive",
        "BRK-1",
        "5",
        "-l",
        "A-01",
        "--lot",
        "L1",
        "--unit-cost",
        "1.1234567",
        "--db",
        db,
        ok=False,
    )
    assert "--unit-cost" in out
    out = run("safety-stock", "BRK-1", "--db", db, ok=False)
    assert "QUANTITY or --service-level" in out
    assert state(db) == before
    out = run("stock", "--db", f"sqlite:///{tmp_path / 'missing.db'}", ok=False)
    assert "alliance node init" in out
    out = run(
        "pool", ok=False, env={"ALLIANCE_NODE_DATABASE_URL": db, "ALLIANCE_NODE_POOL_FRACTION": "2"}
    )
    assert "ALLIANCE_NODE_POOL_FRACTION" in out


CSV_HEADER = "part_number,quantity,unit_of_measure,location_id,lot_number,expiry_date,unit_cost\n"


def test_import_stock_books_every_row_and_a_reimport_books_nothing(db: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text(
        CSV_HEADER + "BRK-1,40,C62,A-01,L1,2030-01-31,10.50\nBRK-1,60,C62,A-02,L2,,11.00\n"
    )
    out = run("import-stock", str(csv_file), "--db", db)
    assert "imported 2 rows (100 units)" in out
    after_first = state(db)
    run("import-stock", str(csv_file), "--db", db)
    assert state(db) == after_first  # same file, same movement ids: nothing booked twice
    (position,) = open_node(db).stock_positions(["BRK-1"])
    assert position.quantity_on_hand == 100


@pytest.mark.parametrize(
    "rows, words",
    [
        (
            "BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,ten,C62,A-01,L2,,10.50\n",
            ["line 3", "column quantity", "ten"],
        ),
        (
            "BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,5,C62,A-01,L2,31.12.2030,10.50\n",
            ["line 3", "column expiry_date", "31.12.2030"],
        ),
        ("BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,5,C62,A-01,L2,,\n", ["line 3", "column unit_cost"]),
        (
            "BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,5,C62,A-01,L2,,1.5\nNOPE-9,5,C62,A-01,L3,,1\n",
            ["line 4", "NOPE-9", "no rows were imported"],
        ),
        ("BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,5,KGM,A-01,L2,,1.5\n", ["line 3", "KGM"]),
    ],
)
def test_import_stock_is_all_or_nothing_and_names_the_bad_row(
    db: str, tmp_path: Path, rows: str, words: list[str]
) -> None:
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text(CSV_HEADER + rows)
    before = state(db)
    out = run("import-stock", str(csv_file), "--db", db, ok=False)
    for word in words:
        assert word in out, out
    assert state(db) == before


def test_a_row_the_store_refuses_mid_import_rolls_back_every_row(
    db_on_both: str, tmp_path: Path
) -> None:
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text(
        CSV_HEADER + "BRK-1,40,C62,A-01,L1,,10.50\nBRK-1,5,C62,A-01,L2,,1.5\n"
        "BRK-1,7,C62,NO-SUCH-BIN,L3,,1\nBRK-1,9,C62,A-02,L4,,1\n"
    )
    before = state(db_on_both)
    out = run("import-stock", str(csv_file), "--db", db_on_both, ok=False)
    assert "line 4" in out and "NO-SUCH-BIN" in out and "no rows were imported" in out
    assert state(db_on_both) == before


def test_import_stock_refuses_an_unknown_column(db: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text("part_number,qty\nBRK-1,4\n")
    out = run("import-stock", str(csv_file), "--db", db, ok=False)
    assert "line 1" in out and "qty" in out


def test_the_sample_csv_parses_into_receipts() -> None:
    from node.stock_csv import read_stock_csv

    rows = read_stock_csv(sample_stock_csv(), source="sample_stock.csv", actor="t")
    assert len(rows) == 17 and rows[0].line == 2
    assert {r.receipt.quality_status.value for r in rows} == {"released", "quarantine", "blocked"}
