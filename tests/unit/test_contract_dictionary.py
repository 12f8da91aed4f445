"""The alliance.v1 contract and the data dictionary agree, in both directions.

The first tests check the real contract against the real dictionary. The rest break one side on
purpose (a changed dictionary, or a small contract file built here) and show each check bites.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from alliance.v1 import options_pb2, types_pb2
from google.protobuf import descriptor_pb2, descriptor_pool, timestamp_pb2
from google.protobuf.descriptor import FileDescriptor

import dictionary
from dictionary import Dictionary
from dictionary.contract import (
    check_contract,
    check_exchanged,
    check_field_elements,
    check_fields_tagged,
    contract_files,
    field_uses,
)

# --- the real contract against the real dictionary -------------------------------------------


@pytest.fixture(scope="module")
def files() -> list[FileDescriptor]:
    return contract_files()


def test_every_file_of_the_contract_is_walked(files) -> None:
    names = {f.name for f in files}
    assert {
        "alliance/v1/node.proto",
        "alliance/v1/types.proto",
        "alliance/v1/inventory.proto",
    } <= names
    assert len([u for u in field_uses(files) if u.element]) > 100


def test_every_element_option_names_an_element_whose_type_unit_and_codes_agree(files) -> None:
    assert check_field_elements(dictionary.load(), files) == []


def test_every_exchanged_element_is_carried_by_the_alliance_facing_contract(files) -> None:
    assert check_exchanged(dictionary.load(), files) == []


def test_every_business_field_names_its_element(files) -> None:
    assert check_fields_tagged(files) == []


# --- a broken dictionary is caught --------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return yaml.safe_load(dictionary.DEFAULT_PATH.read_text(encoding="utf-8"))


def _variant(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> Dictionary:
    data = copy.deepcopy(data)
    change(data)
    return dictionary.parse(yaml.safe_dump(data, allow_unicode=True), "variant")


def _element(data: dict[str, Any], element_id: str) -> dict[str, Any]:
    return next(e for e in data["elements"] if e["id"] == element_id)


def _code_list(data: dict[str, Any], list_id: str) -> dict[str, Any]:
    return next(c for c in data["code_lists"] if c["id"] == list_id)


def _retype_quantity_as_decimal(data: dict[str, Any]) -> None:
    element = _element(data, "quantity_on_hand")
    element["data_type"] = "decimal"
    del element["unit_ref"]


def _change_fixed_unit(data: dict[str, Any]) -> None:
    _element(data, "transit_time")["unit"] = "DAY"


def _give_unitless_element_a_unit(data: dict[str, Any]) -> None:
    _element(data, "event_sequence")["unit"] = "C62"


def _drop_a_code(data: dict[str, Any]) -> None:
    entries = _code_list(data, "reservation_state")["entries"]
    entries[:] = [e for e in entries if e["code"] != "expired"]


def _add_a_code(data: dict[str, Any]) -> None:
    entries = _code_list(data, "quality_status")["entries"]
    entries.append({"code": "scrapped", "en": "scrapped", "zh": "报废"})


def _point_code_list_at_another_enum(data: dict[str, Any]) -> None:
    _code_list(data, "supply_source")["proto_enum"] = "alliance.v1.MovementType"


def _remove_an_element(data: dict[str, Any]) -> None:
    data["elements"] = [e for e in data["elements"] if e["id"] != "lot_number"]


def _deprecate_a_used_element(data: dict[str, Any]) -> None:
    _element(data, "plan_id")["status"] = "deprecated"


def _add_an_unused_exchanged_element(data: dict[str, Any]) -> None:
    element = copy.deepcopy(_element(data, "plan_id"))
    element["id"] = "carbon_footprint"
    data["elements"].append(element)


def _unmark_an_exchanged_element(data: dict[str, Any]) -> None:
    _element(data, "pool_share_quantity")["exchanged"] = False


def _mark_a_local_element_exchanged(data: dict[str, Any]) -> None:
    _element(data, "payable_amount")["exchanged"] = True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _retype_quantity_as_decimal,
            "CountStockRequest.counted_quantity -> quantity_on_hand: "
            "a decimal element cannot be carried by int64",
        ),
        (
            _change_fixed_unit,
            "QuoteLine.transit_time_hours -> transit_time: field unit 'HUR' "
            "differs from element unit 'DAY'",
        ),
        (
            _give_unitless_element_a_unit,
            "WatchPoolSharesResponse.sequence -> event_sequence: "
            "field unit 'none' differs from element unit 'C62'",
        ),
        (
            _drop_a_code,
            "Reservation.state -> reservation_state: enum values without a code: "
            "RESERVATION_STATE_EXPIRED",
        ),
        (_add_a_code, "quality_status: codes without an enum value: scrapped"),
        (
            _point_code_list_at_another_enum,
            "enum alliance.v1.SupplySource is not the enum of its "
            "code list (alliance.v1.MovementType)",
        ),
        (_remove_an_element, "LotPick.lot_number: element 'lot_number' is not in the dictionary"),
        (_deprecate_a_used_element, "ReserveRequest.plan_id -> plan_id: the element is deprecated"),
    ],
)
def test_a_field_that_disagrees_with_its_element_is_caught(data, files, change, expected) -> None:
    problems = check_field_elements(_variant(data, change), files)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _add_an_unused_exchanged_element,
            "'carbon_footprint' is marked exchanged but no alliance-facing field carries it",
        ),
        (
            _unmark_an_exchanged_element,
            "'pool_share_quantity' is carried by an alliance-facing field but not marked exchanged",
        ),
        (
            _mark_a_local_element_exchanged,
            "'payable_amount' is marked exchanged but no alliance-facing field carries it",
        ),
    ],
)
def test_a_wrong_exchanged_flag_is_caught(data, files, change, expected) -> None:
    assert any(expected in p for p in check_exchanged(_variant(data, change), files))


# --- a broken contract is caught (a small file built here, in its own descriptor pool) ---------

F = descriptor_pb2.FieldDescriptorProto


def _contract(*fields: tuple[str, int, str, str], service: bool = True) -> FileDescriptor:
    """A file `t/probe.proto` with message `Probe` of (name, type, element, unit) fields,
    served by an alliance-facing `ProbeService` when `service`."""
    pool = descriptor_pool.DescriptorPool()
    for known in (
        descriptor_pb2.DESCRIPTOR,
        timestamp_pb2.DESCRIPTOR,
        options_pb2.DESCRIPTOR,
        types_pb2.DESCRIPTOR,
    ):
        proto = descriptor_pb2.FileDescriptorProto()
        known.CopyToProto(proto)
        pool.Add(proto)
    file = descriptor_pb2.FileDescriptorProto(
        name="t/probe.proto",
        package="t",
        syntax="proto3",
        dependency=[
            "alliance/v1/options.proto",
            "alliance/v1/types.proto",
            "google/protobuf/timestamp.proto",
        ],
    )
    message = file.message_type.add(name="Probe")
    for number, (name, kind, element, unit) in enumerate(fields, start=1):
        field = message.field.add(name=name, number=number, label=F.LABEL_OPTIONAL)
        if kind == F.TYPE_MESSAGE:
            field.type, field.type_name = kind, ".google.protobuf.Timestamp"
        elif kind == F.TYPE_ENUM:
            field.type, field.type_name = kind, ".alliance.v1.ReservationState"
        else:
            field.type = kind  # type: ignore[assignment]
        if element:
            field.options.Extensions[options_pb2.element] = element
        if unit:
            field.options.Extensions[options_pb2.unit] = unit
    if service:
        method = file.service.add(name="ProbeService").method.add(name="Get")
        method.input_type = method.output_type = ".t.Probe"
    pool.Add(file)
    return pool.FindFileByName("t/probe.proto")


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (("quantity", F.TYPE_INT32, "demand_quantity", ""), "cannot be carried by int32"),
        (("quantity", F.TYPE_DOUBLE, "demand_quantity", ""), "cannot be carried by double"),
        (
            ("fraction", F.TYPE_DOUBLE, "pool_fraction", ""),
            "decimal element cannot be carried by double",
        ),
        (("due_at", F.TYPE_INT64, "due_at", ""), "timestamp element cannot be carried by int64"),
        (
            ("expiry", F.TYPE_MESSAGE, "expiry_date", ""),
            "date element cannot be carried by google.protobuf.Timestamp",
        ),
        (
            ("ttl", F.TYPE_INT64, "reservation_ttl", ""),
            "field unit 'none' differs from element unit 'SEC'",
        ),
        (
            ("ttl", F.TYPE_INT64, "reservation_ttl", "MIN"),
            "field unit 'MIN' differs from element unit 'SEC'",
        ),
        (
            ("quantity", F.TYPE_INT64, "demand_quantity", "C62"),
            "declares unit 'C62', the element has no fixed unit",
        ),
        (
            ("source", F.TYPE_ENUM, "supply_source", ""),
            "enum alliance.v1.ReservationState is not the enum of its code list",
        ),
        (("note", F.TYPE_STRING, "", "DAY"), "declares unit 'DAY' but no element"),
        (("colour", F.TYPE_STRING, "colour", ""), "element 'colour' is not in the dictionary"),
    ],
)
def test_a_contract_field_that_disagrees_is_caught(field, expected) -> None:
    problems = check_field_elements(dictionary.load(), [_contract(field)])
    assert any(expected in p for p in problems), problems


def test_agreeing_probe_fields_pass() -> None:
    probe = _contract(
        ("state", F.TYPE_ENUM, "reservation_state", ""),
        ("ttl", F.TYPE_INT64, "reservation_ttl", "SEC"),
        ("at", F.TYPE_MESSAGE, "event_at", ""),
        service=False,
    )
    assert check_field_elements(dictionary.load(), [probe]) == []
    assert check_fields_tagged([probe]) == []


def test_a_business_field_without_element_is_caught() -> None:
    probe = _contract(("quantity", F.TYPE_INT64, "", ""), ("at", F.TYPE_MESSAGE, "", ""))
    assert check_fields_tagged([probe]) == [
        "t.Probe.quantity (int64) carries no (alliance.v1.element) option",
        "t.Probe.at (google.protobuf.Timestamp) carries no (alliance.v1.element) option",
    ]


def test_a_local_element_on_an_alliance_facing_service_is_caught() -> None:
    served = _contract(("cogs", F.TYPE_INT64, "cost_of_goods_sold", ""))
    unserved = _contract(("cogs", F.TYPE_INT64, "cost_of_goods_sold", ""), service=False)
    expected = (
        "'cost_of_goods_sold' is carried by an alliance-facing field but not marked exchanged"
    )
    assert any(expected in p for p in check_exchanged(dictionary.load(), [served]))
    assert not any(
        "cost_of_goods_sold" in p for p in check_exchanged(dictionary.load(), [unserved])
    )


def test_check_contract_gathers_every_kind_of_problem(data) -> None:
    broken = _variant(data, _change_fixed_unit)
    assert check_contract(dictionary.load()) == []
    assert any("transit_time" in p for p in check_contract(broken))
