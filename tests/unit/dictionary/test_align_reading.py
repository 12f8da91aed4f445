"""Reading exports: encodings, delimiters, title rows; header names; number and date notations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dictionary.align.names import parse_header
from dictionary.align.parsing import date_format, number_format, parse_date, parse_number
from dictionary.align.tables import TableError, read_table

HEADER = "物料编码,批号,有效期至,库存量\r\n"
ROW = "BRK-4711,L2401-001,2026/01/05,120\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_read_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + ROW).encode(encoding))
    table = read_table(path)
    assert table.columns == ["物料编码", "批号", "有效期至", "库存量"]
    assert [cells for _, cells in table.rows()] == [["BRK-4711", "L2401-001", "2026/01/05", "120"]]
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
    assert table.encoding == expected[encoding]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f'MATNR{delimiter}LABST\nBRK-4711{delimiter}"1.200,000"\n', encoding="utf-8")
    table = read_table(path)
    assert table.delimiter == delimiter and table.columns == ["MATNR", "LABST"]


def test_an_xlsx_title_row_above_the_header_is_skipped(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2025年12月 库存盘点表"])
    sheet.append(["料号", "PH", "SCRQ", None, "KCSL"])
    sheet.append(["BRK-4711", "L1", date(2025, 3, 5), None, 12])
    book.save(tmp_path / "sheet.xlsx")
    table = read_table(tmp_path / "sheet.xlsx")
    assert table.header_row == 2
    assert table.columns == ["料号", "PH", "SCRQ", "column 4", "KCSL"]
    assert list(table.rows()) == [(3, ["BRK-4711", "L1", datetime(2025, 3, 5), None, 12])]


def test_a_missing_or_undecodable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="no such file"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\xd8" * 10)
    with pytest.raises(TableError):
        read_table(tmp_path / "bin.csv")


@pytest.mark.parametrize(
    ("raw", "core", "hints"),
    [
        ("MARD-LABST", "labst", ()),
        ("库存量(基本单位)", "库存量", ("基本单位",)),
        ("Lead time (weeks)", "lead time", ("weeks",)),
        ("保质期（天）", "保质期", ("天",)),
        ("batchNo", "batch no", ()),
        ("UoM", "uom", ()),
        ("Product/Internal Reference", "product internal reference", ()),
        ("ＰＨ", "ph", ()),
    ],
)
def test_headers_are_normalized(raw: str, core: str, hints: tuple[str, ...]) -> None:
    header = parse_header(raw)
    assert (header.core, header.hints) == (core, hints)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["1.250,000", "120,000"], (",", ".")),
        (["12,5", "3"], (",", ".")),
        (["1,250.00", "3.5"], (".", ",")),
        (["120,000", "300,000"], None),  # nothing decides
    ],
)
def test_number_notation_is_detected(texts: list[str], expected: tuple[str, str] | None) -> None:
    assert number_format(texts) == expected


def test_numbers_are_read_exactly() -> None:
    assert parse_number("1.250,500", ",", ".") == Decimal("1250.500")
    assert parse_number("12-", ",", ".") == Decimal("-12")  # SAP trailing minus
    assert parse_number("1,250.5") == Decimal("1250.5")
    assert parse_number(0.1) == Decimal("0.1")
    assert parse_number("abc") is None


def test_date_formats_are_detected_and_read() -> None:
    assert date_format(["05.01.2026", "31.12.2025"]) == "%d.%m.%Y"
    assert date_format(["20260105", "20251231"]) == "%Y%m%d"
    assert date_format(["12/31/2025", "01/05/2026"]) == "%m/%d/%Y"
    assert parse_date("2026/3/5", "%Y/%m/%d") == date(2026, 3, 5)
    assert parse_date(46000, "excel") == date(2025, 12, 9)
    assert parse_date("not a date", None) is None
