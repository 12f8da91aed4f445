"""The dictionary data file: what it covers, and how a broken file is refused on load."""

from __future__ import annotations

from pathlib import Path

import pytest

import dictionary
from dictionary import DataType, DictionaryFileError, UnknownElement

# The issue's list: part identity and description, units, members/sites/warehouses/locations,
# lots with dates, quantities, capacity and lead time, prices and currency, demand, reservations.
REQUIRED = [
    "part_number",
    "part_description",
    "gtin",
    "unit_of_measure",
    "member_id",
    "site_id",
    "warehouse_id",
    "location_id",
    "lot_number",
    "production_date",
    "expiry_date",
    "quality_status",
    "quantity_on_hand",
    "available_quantity",
    "reserved_quantity",
    "blocked_quantity",
    "in_transit_quantity",
    "safety_stock_quantity",
    "pool_share_quantity",
    "capacity_per_day",
    "production_lead_time",
    "unit_price",
    "currency_code",
    "demand_line_id",
    "demand_quantity",
    "due_at",
    "reservation_id",
    "reservation_state",
    "event_at",
]


def test_the_alliance_dictionary_loads_with_a_semver_version() -> None:
    d = dictionary.load()
    major, minor, patch = (int(p) for p in d.version.split("."))
    assert (major, minor, patch) >= (1, 0, 0)
    assert dictionary.load() is d  # cached


@pytest.mark.parametrize("element_id", REQUIRED)
def test_the_dictionary_covers_what_the_issue_lists(element_id: str) -> None:
    element = dictionary.load().element(element_id)
    assert element.definition.en and element.definition.zh


def test_quantities_are_in_the_parts_unit_and_durations_in_a_fixed_time_unit() -> None:
    d = dictionary.load()
    for element in d.elements:
        if element.data_type is DataType.QUANTITY:
            assert element.unit_ref == "unit_of_measure", element.id
        if element.data_type is DataType.DURATION:
            entry = d.rec20_entry(element.unit or "")
            assert entry is not None and entry.dimension == "time", element.id


def test_elements_map_to_gs1_and_erp_fields() -> None:
    d = dictionary.load()

    def refs(element_id: str, system: str) -> str:
        return " ".join(r.ref for r in d.element(element_id).references if r.system == system)

    assert "AI 01" in refs("gtin", "gs1")
    assert "AI 10" in refs("lot_number", "gs1")
    assert "AI 17" in refs("expiry_date", "gs1")
    assert "MARD-LABST" in refs("quantity_on_hand", "sap")
    assert "MARC-EISBE" in refs("safety_stock_quantity", "sap")
    assert "Bin.reserved_qty" in refs("reserved_quantity", "erpnext")


def test_load_reads_a_given_path(tmp_path: Path) -> None:
    path = tmp_path / "elements.yaml"
    path.write_text(dictionary.DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert dictionary.load(path).version == dictionary.load().version


def test_an_unknown_element_is_named_with_a_suggestion() -> None:
    with pytest.raises(UnknownElement, match="'part_numbr'.*did you mean 'part_number'"):
        dictionary.load().element("part_numbr")


# --- a broken file is refused, naming what is wrong -----------------------------------------


def find(data: dict, element_id: str) -> dict:
    return next(e for e in data["elements"] if e["id"] == element_id)


def _duplicate_element(data: dict) -> None:
    data["elements"].append(dict(find(data, "gtin")))


def _code_list_on_a_quantity(data: dict) -> None:
    find(data, "quantity_on_hand")["value_domain"] = {"code_list": "currency"}


def _bad_unit_code(data: dict) -> None:
    find(data, "shelf_life")["unit"] = "DYS"


def _non_time_unit_on_a_duration(data: dict) -> None:
    find(data, "shelf_life")["unit"] = "KGM"


def _duration_without_unit(data: dict) -> None:
    del find(data, "transit_time")["unit"]


def _quantity_without_unit(data: dict) -> None:
    del find(data, "reserved_quantity")["unit_ref"]


def _unit_ref_to_a_non_code(data: dict) -> None:
    find(data, "reserved_quantity")["unit_ref"] = "part_number"


def _unknown_code_list(data: dict) -> None:
    find(data, "currency_code")["value_domain"] = {"code_list": "money_kinds"}


def _pattern_that_does_not_compile(data: dict) -> None:
    find(data, "lot_number")["value_domain"] = {"pattern": "^[A-Z"}


def _min_above_max(data: dict) -> None:
    find(data, "pool_fraction")["value_domain"] = {"min": "2", "max": "1"}


def _duplicate_code(data: dict) -> None:
    data["code_lists"][0]["entries"].append(dict(data["code_lists"][0]["entries"][0]))


def _misspelt_attribute(data: dict) -> None:
    find(data, "lot_number")["exchange"] = True


def _missing_chinese_definition(data: dict) -> None:
    del find(data, "lot_number")["definition"]["zh"]


def _bad_version(data: dict) -> None:
    data["version"] = "1.0"


def _unknown_status(data: dict) -> None:
    find(data, "lot_number")["status"] = "draft"


def _unknown_data_type(data: dict) -> None:
    find(data, "lot_number")["data_type"] = "float"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_duplicate_element, "duplicate element id 'gtin'"),
        (_code_list_on_a_quantity, r"quantity_on_hand.*code list goes with data type 'code'"),
        (_bad_unit_code, r"shelf_life.*'DYS' is not a known UN/CEFACT Rec 20 code"),
        (_non_time_unit_on_a_duration, r"shelf_life.*'KGM' of a duration is not a time unit"),
        (_duration_without_unit, r"transit_time.*duration needs a fixed time unit"),
        (_quantity_without_unit, r"reserved_quantity.*quantity needs its unit"),
        (_unit_ref_to_a_non_code, r"reserved_quantity.*unit_ref 'part_number' is not a code"),
        (_unknown_code_list, r"currency_code.*code list 'money_kinds' is not defined"),
        (_pattern_that_does_not_compile, r"lot_number.*does not compile"),
        (_min_above_max, r"pool_fraction.*min 2 is greater than max 1"),
        (_duplicate_code, r"duplicate code 'C62'"),
        (_misspelt_attribute, r"lot_number.*exchange.*Extra inputs are not permitted"),
        (_missing_chinese_definition, r"lot_number.*definition.zh.*Field required"),
        (_bad_version, r"version.*should match pattern"),
        (_unknown_status, r"lot_number.*status"),
        (_unknown_data_type, r"lot_number.*data_type"),
    ],
)
def test_a_broken_file_is_refused(variant, change, expected: str) -> None:
    with pytest.raises(DictionaryFileError, match=expected):
        variant(change)


def test_a_key_given_twice_in_yaml_is_refused() -> None:
    text = dictionary.DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "version: 1\n", "version: 1\n    version: 2\n", 1
    )
    with pytest.raises(DictionaryFileError, match="duplicate key 'version' at line"):
        dictionary.parse(text)


def test_text_that_is_not_a_dictionary_is_refused() -> None:
    with pytest.raises(DictionaryFileError, match="expected a mapping"):
        dictionary.parse("- just\n- a list\n")
    with pytest.raises(DictionaryFileError, match="not valid YAML"):
        dictionary.parse("version: [unclosed\n")
