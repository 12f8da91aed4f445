"""`check`: every kind of bad row is reported with its row and column, and a summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dictionary.align.check import check
from dictionary.align.mapping import load_mapping
from dictionary.align.suggest import Suggester
from dictionary.align.tables import read_table
from dictionary.cli import app

HEADER = "物料编码,批号,仓库,生产日期,有效期至,库存量(基本单位),基本单位,库存状态,单价,币别\n"
GOOD = "BRK-4711,L2401-001,原材料仓,2025/01/05,2026/01/05,120,个,可用,12.50,EUR\n"
# One row per kind of problem; the file's row numbers count the header as row 1.
BAD_ROWS = {
    3: (
        "BRK-4711,L2401-001,原材料仓,2025/01/05,2026/01/05,30,个,可用,12.50,EUR",
        "物料编码 + 批号 + 仓库",
        "duplicate key",
    ),
    4: (
        ",L2401-002,原材料仓,2025/01/05,2026/01/05,10,个,可用,12.50,EUR",
        "物料编码",
        "required part_number is empty",
    ),
    5: (
        "HL-220-L,L2401-003,成品仓,2025/02/30,2026/01/05,10,个,可用,12.50,EUR",
        "生产日期",
        "is not a date",
    ),
    6: (
        "HL-220-L,L2401-004,成品仓,2025/01/05,2026/01/05,-4,个,可用,12.50,EUR",
        "库存量(基本单位)",
        "below the minimum 0",
    ),
    7: (
        "HL-220-L,L2401-005,成品仓,2025/01/05,2026/01/05,7.5,个,可用,12.50,EUR",
        "库存量(基本单位)",
        "not a whole number",
    ),
    8: (
        "HL-220-L,L2401-006,成品仓,2025/01/05,2026/01/05,7,箱,可用,12.50,EUR",
        "基本单位",
        "is not a code of 'unit_of_measure'",
    ),
    9: (
        "HL-220-L,L2401-007,成品仓,2025/01/05,2026/01/05,7,个,报废中,12.50,EUR",
        "库存状态",
        "is not a code of 'quality_status'",
    ),
    10: (
        "HL-220-L,L 2401 008,成品仓,2025/01/05,2026/01/05,7,个,可用,12.50,EUR",
        "批号",
        "does not match the pattern",
    ),
    11: (
        "HL-220-L,L2401-009,成品仓,2025/01/05,2026/01/05,abc,个,可用,12.50,EUR",
        "库存量(基本单位)",
        "is not a number",
    ),
    12: (
        "HL-220-L,L2401-010,成品仓,2025/01/05,2026/01/05,7,个,可用,12.5000001,EUR",
        "单价",
        "more than 6 decimals",
    ),
    13: (
        "HL-220-L,L2401-011,成品仓,2025/01/05,2026/01/05,7,个,可用,12.50,XYZ",
        "币别",
        "is not a code of 'currency'",
    ),
}


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    """A good file, its mapping from `suggest`, and the bad rows appended afterwards."""
    path = tmp_path / "stock.csv"
    good_rows = "".join(GOOD.replace("L2401-001", f"G{i:03d}") for i in range(1, 20))
    path.write_text(HEADER + GOOD + good_rows, encoding="utf-8-sig")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(Suggester().suggest(read_table(path)).dump(), encoding="utf-8")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[2:2] = [row for row, _, _ in BAD_ROWS.values()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path, mapping


def test_a_good_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    report = check(read_table(path), Suggester().suggest(read_table(path)))
    assert report.ok and report.rows == 1
    assert report.records[0].values["unit_cost"] == 12_500_000
    assert report.records[0].values["unit_of_measure"] == "C62"
    assert report.records[0].values["quality_status"] == "released"


def test_every_kind_of_bad_row_is_reported_with_row_and_column(export) -> None:
    path, mapping = export
    report = check(read_table(path), load_mapping(mapping))
    found = {(e.row, e.column): e.message for e in report.errors}
    for row, (_, column, message) in BAD_ROWS.items():
        assert message in found.get((row, column), ""), (row, column, found)
    assert len(report.errors) == len(BAD_ROWS)
    assert report.bad_rows == len(BAD_ROWS) and report.rows == 20 + len(BAD_ROWS)
    assert {r.row for r in report.records}.isdisjoint(BAD_ROWS)


def test_check_command_prints_the_problems_and_a_summary(export) -> None:
    path, mapping = export
    result = CliRunner().invoke(
        app, ["check", str(path), "--mapping", str(mapping)], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 1
    assert "库存状态" in result.output and "报废中" in result.output
    assert f"{len(BAD_ROWS)} problem(s) in {len(BAD_ROWS)} of" in result.output
    assert "duplicate key" in result.output


def test_a_mapping_that_does_not_fit_the_file_is_refused(export, tmp_path: Path) -> None:
    path, mapping_path = export
    mapping = load_mapping(mapping_path)
    mapping.columns[0].column = "Materialnummer"
    mapping.columns[1].element = "lot_numbr"
    report = check(read_table(path), mapping)
    messages = [str(e) for e in report.errors]
    assert (
        "file, column 'Materialnummer': the mapping names a column the file does not have"
        in messages
    )
    assert any("unknown dictionary element 'lot_numbr'" in m for m in messages)
    assert any("required element 'part_number' is not mapped" in m for m in messages)
    assert report.rows == 0  # nothing read row by row when the mapping itself is wrong


def test_defaults_fill_missing_elements_and_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("Material,Menge\nBRK-4711,5\n", encoding="utf-8")
    mapping = Suggester().suggest(read_table(path))
    mapping.defaults = {"unit_cost": "1.25", "currency_code": "EUR"}
    report = check(read_table(path), mapping)
    assert report.ok, report.errors
    assert report.records[0].values["unit_cost"] == 1_250_000
    mapping.defaults = {"currency_code": "RMB"}
    assert "default:" in str(check(read_table(path), mapping).errors[0])
