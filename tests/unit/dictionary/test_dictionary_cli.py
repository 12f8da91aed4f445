"""`alliance dict show` and `alliance dict validate-file`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import dictionary
from dictionary.cli import app

runner = CliRunner()


def test_show_lists_every_element() -> None:
    result = runner.invoke(app, ["show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for element in dictionary.load().elements:
        assert element.id in result.output


def test_show_an_element_prints_its_definition_code_list_and_references() -> None:
    result = runner.invoke(app, ["show", "quality_status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "quarantine" in result.output and "待检" in result.output
    assert "MARD-INSME" in result.output
    assert "ZLZT" in result.output  # pinyin initials from the synonym file


def test_show_an_unknown_element_fails_naming_it() -> None:
    result = runner.invoke(app, ["show", "lot_numbr"])
    assert result.exit_code == 1
    assert "unknown dictionary element 'lot_numbr'" in result.output


def test_validate_file_accepts_the_alliance_dictionary() -> None:
    result = runner.invoke(app, ["validate-file"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"dictionary {dictionary.load().version}" in result.output
    assert "the contract agrees" in result.output
    assert "synonym files agree" in result.output


def test_validate_file_refuses_a_broken_file(tmp_path: Path) -> None:
    text = dictionary.DEFAULT_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("unit: DAY", "unit: DYS", 1), encoding="utf-8")
    result = runner.invoke(app, ["validate-file", str(broken)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "'DYS' is not a known UN/CEFACT Rec 20 code" in result.output


def test_validate_file_refuses_a_file_that_disagrees_with_the_contract(tmp_path: Path) -> None:
    text = dictionary.DEFAULT_PATH.read_text(encoding="utf-8")
    disagreeing = tmp_path / "disagreeing.yaml"
    disagreeing.write_text(text.replace("unit: HUR", "unit: MIN", 1), encoding="utf-8")
    result = runner.invoke(app, ["validate-file", str(disagreeing)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "transit_time" in result.output and "problem(s)" in result.output


def test_validate_file_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate-file", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1


def test_validate_file_refuses_a_dictionary_the_synonym_files_no_longer_fit(tmp_path: Path) -> None:
    text = dictionary.DEFAULT_PATH.read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text.replace("{code: quarantine,", "{code: on_hold,"), encoding="utf-8")
    result = runner.invoke(app, ["validate-file", str(renamed)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "quality_status.yaml: value key 'quarantine' is not a code" in result.output
