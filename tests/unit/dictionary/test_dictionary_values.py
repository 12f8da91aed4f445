"""Dictionary.validate_value: data types, value domains and units."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

import dictionary
from dictionary import InvalidValue, UnitMismatch, UnknownElement
from dictionary.values import gs1_check_digit_ok


@pytest.fixture(scope="module")
def d() -> dictionary.Dictionary:
    return dictionary.load()


@pytest.mark.parametrize(
    ("element_id", "value", "expected"),
    [
        ("part_number", "BRK-4711/A", "BRK-4711/A"),
        ("quantity_on_hand", 0, 0),
        ("movement_quantity", -5, -5),
        ("unit_price", 12_500_000, 12_500_000),
        ("pool_fraction", "0.30", Decimal("0.30")),
        ("pool_fraction", Decimal("1"), Decimal("1")),
        ("expiry_date", "2027-02-28", date(2027, 2, 28)),
        ("expiry_date", date(2027, 2, 28), date(2027, 2, 28)),
        (
            "due_at",
            "2026-11-25T10:00:00+01:00",
            datetime.fromisoformat("2026-11-25T10:00:00+01:00"),
        ),
        ("reservation_state", "pending", "pending"),
        ("unit_of_measure", "KGM", "KGM"),
        ("currency_code", "CNY", "CNY"),
        ("gtin", "4006381333931", "4006381333931"),
        ("pool_opt_out", False, False),
        ("audit_public_key", bytes(32), bytes(32)),
        (
            "reservation_id",
            "0b6f3c1e-8d2a-4f5b-9c7d-1a2b3c4d5e6f",
            "0b6f3c1e-8d2a-4f5b-9c7d-1a2b3c4d5e6f",
        ),
        ("dictionary_version", "1.0.0", "1.0.0"),
    ],
)
def test_good_values_pass_normalized(d, element_id: str, value: object, expected: object) -> None:
    assert d.validate_value(element_id, value) == expected


@pytest.mark.parametrize(
    ("element_id", "value", "reason"),
    [
        ("reservation_state", "cancelled", "is not a code of 'reservation_state'"),
        ("unit_of_measure", "PCS", "is not a code of 'unit_of_measure'"),
        ("currency_code", "RMB", "is not a code of 'currency'"),
        ("quality_status", "RELEASED", "is not a code of 'quality_status'"),
        ("quantity_on_hand", -1, "is below the minimum 0"),
        ("demand_quantity", 0, "is below the minimum 1"),
        ("pool_fraction", "1.5", "is above the maximum 1"),
        ("pool_fraction", 0.3, "is not an exact decimal"),
        ("pool_fraction", "thirty", "is not a decimal string"),
        ("pool_fraction", "NaN", "is not a finite decimal"),
        ("quantity_on_hand", 2.5, "is not an integer"),
        ("quantity_on_hand", True, "is not an integer"),
        ("quantity_on_hand", "12", "is not an integer"),
        ("lot_number", "L 001", "does not match the pattern"),
        ("lot_number", "L" * 21, "does not match the pattern"),
        ("part_number", " P-1", "surrounding spaces"),
        ("part_number", "", "is empty"),
        ("gtin", "4006381333932", "wrong GS1 check digit"),
        ("gtin", "40063813", "wrong GS1 check digit"),
        ("gtin", "400638133393", "wrong GS1 check digit"),
        ("gtin", "12345", "does not match the pattern"),
        ("expiry_date", "2027-02-30", "is not a valid calendar date"),
        ("expiry_date", "28.02.2027", "is not an ISO 8601 date"),
        ("expiry_date", datetime(2027, 2, 28, tzinfo=UTC), "is not an ISO 8601 date"),
        ("due_at", datetime(2026, 11, 25, 10, 0), "has no time zone"),
        ("due_at", "tomorrow", "is not an ISO 8601 timestamp"),
        ("pool_opt_out", "yes", "is not a boolean"),
        ("audit_public_key", bytes(31), "is shorter than 32"),
        ("audit_public_key", "00" * 32, "is not bytes"),
        ("part_description", "x" * 201, "is longer than 200"),
        ("reservation_id", "r-1", "does not match the pattern"),
        ("reservation_ttl", 0, "is below the minimum 1"),
    ],
)
def test_bad_values_are_refused_naming_element_and_value(
    d, element_id: str, value: object, reason: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        d.validate_value(element_id, value)
    message = str(caught.value)
    assert f"element {element_id!r}" in message
    assert repr(value) in message
    assert reason in message
    assert caught.value.element_id == element_id and caught.value.value is value


def test_an_unknown_element_is_refused(d) -> None:
    with pytest.raises(UnknownElement, match="unknown dictionary element 'stock_level'"):
        d.validate_value("stock_level", 3)


@pytest.mark.parametrize(
    ("element_id", "value", "unit"),
    [
        ("transit_time", 4, "HUR"),
        ("shelf_life", 365, "DAY"),
        ("reservation_ttl", 30, "SEC"),
        ("quantity_on_hand", 12, "KGM"),
        ("capacity_per_day", 500, "C62"),
        ("unit_price", 1_000_000, "EUR"),
    ],
)
def test_values_in_the_elements_unit_pass(d, element_id: str, value: int, unit: str) -> None:
    assert d.validate_value(element_id, value, unit=unit) == value


@pytest.mark.parametrize(
    ("element_id", "unit", "reason"),
    [
        ("transit_time", "DAY", "the element is in 'HUR'"),
        ("shelf_life", "MON", "the element is in 'DAY'"),
        ("quantity_on_hand", "DAY", "not a code of 'unit_of_measure'"),
        ("quantity_on_hand", "pcs", "not a code of 'unit_of_measure'"),
        ("unit_price", "KGM", "not a code of 'currency_code'"),
        ("part_number", "C62", "the element has no unit"),
        ("event_sequence", "C62", "the element has no unit"),
    ],
)
def test_unit_mismatches_are_refused(d, element_id: str, unit: str, reason: str) -> None:
    with pytest.raises(UnitMismatch) as caught:
        d.validate_value(element_id, 7 if element_id != "part_number" else "P-1", unit=unit)
    assert f"element {element_id!r}" in str(caught.value)
    assert f"in unit {unit!r}" in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.unit == unit


def test_gs1_check_digit() -> None:
    assert gs1_check_digit_ok("4006381333931")  # GTIN-13
    assert gs1_check_digit_ok("96385074")  # GTIN-8
    assert gs1_check_digit_ok("036000291452")  # GTIN-12 (UPC-A)
    assert not gs1_check_digit_ok("036000291453")
    assert not gs1_check_digit_ok("abc")
