"""`apply`: a checked stock export goes into a real node in one transaction, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dictionary.align.apply import apply
from dictionary.align.check import check
from dictionary.align.mapping import Mapping
from dictionary.align.suggest import Suggester
from dictionary.align.tables import read_table
from dictionary.cli import app
from node.service import api
from node.service.factory import init_node, open_node

HEADER = "Material;Lagerplatz;Charge;Frei verwendbar;Qualitätsprüfung;Gesperrt;ME;Herstelldatum\n"
ROWS = [
    "BRK-4711;A-01-01;L2501;1.200,000;0,000;0,000;ST;03.02.2025",
    "BRK-4711;A-01-02;L2502;0,000;10,000;0,000;ST;04.02.2025",
    "BRK-4711;A-01-02;L2503;0,000;0,000;5,000;ST;04.02.2025",
    "GR-0815;A-01-01;G77;12,000;0,000;0,000;KG;05.02.2025",
]


@pytest.fixture
def node(database_url: str) -> Iterator[api.NodeService]:
    init_node(database_url, member_id="m-1", member_name="Test supplier")
    service = open_node(database_url)
    for location in ("A-01-01", "A-01-02"):
        service.upsert_location(api.LocationIn("S1", "WH1", location))
    service.upsert_part(api.PartIn("BRK-4711", "Brake pad", "C62", shelf_life_days=365))
    service.upsert_part(api.PartIn("GR-0815", "Grease", "KGM", shelf_life_days=730))
    yield service
    close = getattr(service, "close", None)
    if callable(close):
        close()


def _export(tmp_path: Path, rows: list[str]) -> tuple[Path, Mapping]:
    path = tmp_path / "mard.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = Suggester().suggest(read_table(path))
    mapping.defaults = {"unit_cost": "2.50", "currency_code": "EUR"}
    return path, mapping


def _on_hand(service: api.NodeService) -> dict[str, tuple[int, int]]:
    return {
        p.part_number: (p.quantity_on_hand, p.blocked_quantity) for p in service.stock_positions()
    }


def test_a_stock_export_is_booked_by_quality_status_and_reapplying_books_nothing(
    node: api.NodeService, tmp_path: Path
) -> None:
    path, mapping = _export(tmp_path, ROWS)
    report = check(read_table(path), mapping)
    result = apply(node, report, path.read_bytes(), "tester")
    assert result.ok, result.errors
    assert result.receipts == 4  # one per lot: released, quality inspection, blocked, released
    assert _on_hand(node) == {"BRK-4711": (1215, 15), "GR-0815": (12, 0)}
    assert node.reconcile().balanced
    again = apply(node, report, path.read_bytes(), "tester")
    assert again.ok and _on_hand(node) == {"BRK-4711": (1215, 15), "GR-0815": (12, 0)}


def test_a_file_with_a_bad_row_changes_nothing(node: api.NodeService, tmp_path: Path) -> None:
    path, mapping = _export(
        tmp_path, [*ROWS, "BRK-4711;A-01-01;L2503;-3,000;0,000;0,000;ST;03.02.2025"]
    )
    result = apply(node, check(read_table(path), mapping), path.read_bytes(), "tester")
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(6, "Frei verwendbar")]
    assert _on_hand(node) == {"BRK-4711": (0, 0), "GR-0815": (0, 0)}


def test_a_row_the_node_refuses_rolls_back_every_row(node: api.NodeService, tmp_path: Path) -> None:
    # Valid for the dictionary, but the node has no such location: the whole import fails.
    path, mapping = _export(
        tmp_path, [*ROWS, "BRK-4711;Z-99-99;L2504;7,000;0,000;0,000;ST;03.02.2025"]
    )
    report = check(read_table(path), mapping)
    assert report.ok
    result = apply(node, report, path.read_bytes(), "tester")
    assert not result.ok
    assert "nothing was booked" in result.errors[0].message
    assert _on_hand(node) == {"BRK-4711": (0, 0), "GR-0815": (0, 0)}
    assert node.reconcile().movements_checked == 0


def test_a_lot_split_across_quality_statuses_is_refused(
    node: api.NodeService, tmp_path: Path
) -> None:
    row = "BRK-4711;A-01-01;L2501;1.200,000;10,000;0,000;ST;03.02.2025"
    path, mapping = _export(tmp_path, [row])
    result = apply(node, check(read_table(path), mapping), path.read_bytes(), "tester")
    assert [(e.row, e.element) for e in result.errors] == [(2, "quality_status")]
    assert "keeps one quality status per lot" in result.errors[0].message
    assert _on_hand(node)["BRK-4711"] == (0, 0)


def test_only_stock_exports_are_applied(node: api.NodeService, tmp_path: Path) -> None:
    path = tmp_path / "ekpo.csv"
    path.write_text(
        "EBELN;EBELP;MATNR;MENGE;MEINS\n4500012345;10;BRK-4711;5;ST\n", encoding="utf-8"
    )
    mapping = Suggester().suggest(read_table(path))
    result = apply(node, check(read_table(path), mapping), path.read_bytes(), "tester")
    assert "apply loads stock exports only" in result.errors[0].message


def test_alliance_dict_apply_end_to_end(tmp_path: Path) -> None:
    from audit.keys import generate_keypair
    from audit.store import LogReader

    database = tmp_path / "node.db"
    url = f"sqlite:///{database}"
    key = tmp_path / "audit.key"
    origin = "alliance.v1/node/m-2"
    init_node(
        url,
        member_id="m-2",
        member_name="CLI supplier",
        audit_public_key=generate_keypair(key),
        audit_log_origin=origin,
    )
    service = open_node(url, audit_key_path=key)
    service.upsert_location(api.LocationIn("S1", "WH1", "A-01-01"))
    service.upsert_location(api.LocationIn("S1", "WH1", "A-01-02"))
    service.upsert_part(api.PartIn("BRK-4711", "Brake pad", "C62", shelf_life_days=365))
    service.upsert_part(api.PartIn("GR-0815", "Grease", "KGM", shelf_life_days=730))
    path, mapping = _export(tmp_path, ROWS)
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(mapping.dump(), encoding="utf-8")
    runner = CliRunner()
    args = ["apply", str(path), "--mapping", str(mapping_path), "--node", str(database)]
    no_key = {"COLUMNS": "200", "ALLIANCE_NODE_AUDIT_KEY_PATH": str(tmp_path / "missing.key")}
    unsigned = runner.invoke(app, args, env=no_key)
    assert unsigned.exit_code == 1 and "keeps a signed audit log" in unsigned.output
    assert _on_hand(service) == {"BRK-4711": (0, 0), "GR-0815": (0, 0)}  # nothing booked

    def ledger_entries() -> int:
        with service.engine.connect() as conn:  # type: ignore[attr-defined]
            entries = LogReader(origin).entries(conn)
            return sum(1 for e in entries if b"ledger_movement" in e.statement_bytes)

    result = runner.invoke(app, [*args, "--key", str(key)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "applied 4 rows as 4 receipts in one transaction" in result.output
    assert _on_hand(service)["BRK-4711"] == (1215, 15)
    assert ledger_entries() == 4  # every booked receipt is in the node's signed log
    args = [*args, "--key", str(key)]
    mapping_path.write_text(mapping.dump().replace("currency_code: EUR", "currency_code: XXX"))
    refused = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert refused.exit_code == 1 and "nothing was applied" in refused.output
