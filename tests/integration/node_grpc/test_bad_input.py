"""Refused requests: the most specific status code, a clear message, and nothing changed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types
from grpc_status import rpc_status

from .conftest import LOCATION, Node

Code = grpc.StatusCode


def refused(node: Node, call: Callable[[], Any], code: grpc.StatusCode, *words: str) -> str:
    """Assert the call fails with `code`, a message naming `words`, and changes nothing."""
    before = node.state()
    with pytest.raises(grpc.RpcError) as err:
        call()
    details = err.value.details() or ""
    assert err.value.code() == code, details
    for word in words:
        assert word.lower() in details.lower(), details
    assert node.state() == before
    return details


def reserve_line(node: Node, **fields: Any) -> pb.ReserveLine:
    line: dict[str, Any] = dict(
        line_id="1",
        part_number="BRK-1",
        quantity=5,
        unit_of_measure="C62",
        source=types.SUPPLY_SOURCE_STOCK,
        due_at=node.due_in(48),
        destination="DEWOB",
    )
    line.update(fields)
    return pb.ReserveLine(**line)


def reserve(node: Node, *lines: pb.ReserveLine, reservation_id: str = "", **fields: Any) -> Any:
    request = pb.ReserveRequest(
        reservation_id=reservation_id or str(uuid.uuid4()),
        plan_id="PLAN-1",
        demand_id="D-1",
        ttl_seconds=300,
        lines=list(lines) or [reserve_line(node)],
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return lambda: node.node.Reserve(request)


def demand_line(node: Node, **fields: Any) -> types.DemandLine:
    line: dict[str, Any] = dict(
        line_id="1",
        part_number="BRK-1",
        quantity=5,
        unit_of_measure="C62",
        due_at=node.due_in(48),
        destination="DEWOB",
    )
    line.update(fields)
    return types.DemandLine(**line)


@pytest.fixture(scope="module")
def stocked(shared_node: Node) -> Node:
    """One node for the module: every test here checks that it changed nothing."""
    shared_node.add_part("BRK-1", on_hand=100, safety_stock=100)  # pool share 30
    return shared_node


def test_zero_and_negative_quantities_are_invalid(stocked: Node) -> None:
    node = stocked
    for quantity in (0, -5):
        refused(
            node,
            reserve(node, reserve_line(node, quantity=quantity)),
            Code.INVALID_ARGUMENT,
            "quantity",
            str(quantity),
        )
        refused(
            node,
            lambda q=quantity: node.node.Quote(
                pb.QuoteRequest(demand_id="D", lines=[demand_line(node, quantity=q)])
            ),
            Code.INVALID_ARGUMENT,
            "quantity",
        )
        refused(
            node, lambda q=quantity: node.receive("BRK-1", q), Code.INVALID_ARGUMENT, "quantity"
        )
        refused(
            node,
            lambda q=quantity: node.admin.ShipSales(
                inv.ShipSalesRequest(
                    movement_id=str(uuid.uuid4()),
                    sales_order_number="SO-1",
                    customer_id="C1",
                    part_number="BRK-1",
                    quantity=q,
                    unit_of_measure="C62",
                    unit_price_micros=1,
                    currency="EUR",
                    actor="t",
                )
            ),
            Code.INVALID_ARGUMENT,
            "quantity",
        )
        refused(
            node,
            lambda q=quantity: node.admin.Transfer(
                inv.TransferRequest(
                    movement_id=str(uuid.uuid4()),
                    part_number="BRK-1",
                    lot_number="L1",
                    from_location_id=LOCATION,
                    to_location_id=LOCATION,
                    quantity=q,
                    actor="t",
                )
            ),
            Code.INVALID_ARGUMENT,
            "quantity",
        )
    refused(
        node,
        lambda: node.admin.CountStock(
            inv.CountStockRequest(
                movement_id=str(uuid.uuid4()),
                part_number="BRK-1",
                lot_number="L1",
                location_id=LOCATION,
                counted_quantity=-1,
                actor="t",
            )
        ),
        Code.INVALID_ARGUMENT,
        "-1",
    )


def test_unknown_part_is_not_found(stocked: Node) -> None:
    node = stocked
    refused(node, reserve(node, reserve_line(node, part_number="NOPE-9")), Code.NOT_FOUND, "NOPE-9")
    refused(node, lambda: node.receive("NOPE-9", 5), Code.NOT_FOUND, "NOPE-9")
    refused(
        node,
        lambda: node.admin.SetSafetyStock(
            inv.SetSafetyStockRequest(part_number="NOPE-9", quantity=10)
        ),
        Code.NOT_FOUND,
        "NOPE-9",
    )


@pytest.mark.parametrize(
    "why, lot_fields",
    [
        ("expired", dict(expiry="2025-12-31")),  # the node's clock is at 2026-01-01
        ("blocked", dict(quality=types.QUALITY_STATUS_BLOCKED)),
        ("quarantine", dict(quality=types.QUALITY_STATUS_QUARANTINE)),
    ],
)
def test_stock_only_in_an_unusable_lot_cannot_be_reserved(
    stocked: Node, why: str, lot_fields: dict[str, Any]
) -> None:
    node, part, lot = stocked, f"BRK-{why.upper()}", f"LOT-{why.upper()}"
    node.add_part(part, on_hand=100, safety_stock=100, lot=lot, **lot_fields)
    line = reserve_line(node, part_number=part)
    details = refused(node, reserve(node, line), Code.FAILED_PRECONDITION, lot)
    assert why in details.lower()


def test_more_than_the_free_pool_share_is_refused(stocked: Node) -> None:
    refused(
        stocked,
        reserve(stocked, reserve_line(stocked, quantity=31)),
        Code.FAILED_PRECONDITION,
        "BRK-1",
    )


def test_a_unit_that_is_not_the_parts_unit_is_invalid(stocked: Node) -> None:
    node = stocked
    refused(
        node,
        reserve(node, reserve_line(node, unit_of_measure="KGM")),
        Code.INVALID_ARGUMENT,
        "KGM",
        "C62",
    )
    refused(node, lambda: node.receive("BRK-1", 5, unit="KGM"), Code.INVALID_ARGUMENT, "KGM")
    refused(
        node,
        lambda: node.node.Quote(
            pb.QuoteRequest(demand_id="D", lines=[demand_line(node, unit_of_measure="MTR")])
        ),
        Code.INVALID_ARGUMENT,
        "MTR",
    )


def test_malformed_ids_are_invalid(stocked: Node) -> None:
    node = stocked
    refused(
        node,
        reserve(node, reservation_id="not-a-uuid"),
        Code.INVALID_ARGUMENT,
        "not-a-uuid",
        "UUID",
    )
    refused(
        node,
        lambda: node.node.Confirm(pb.ConfirmRequest(reservation_id="42")),
        Code.INVALID_ARGUMENT,
        "UUID",
    )
    refused(
        node,
        lambda: node.node.GetReservation(pb.GetReservationRequest(reservation_id="")),
        Code.INVALID_ARGUMENT,
        "UUID",
    )
    refused(
        node,
        reserve(node, reserve_line(node, part_number="BRK 1; drop table")),
        Code.INVALID_ARGUMENT,
        "part number",
    )
    refused(
        node,
        lambda: node.receive("BRK-1", 5, location="A" * 200),
        Code.INVALID_ARGUMENT,
        "location",
    )
    refused(
        node,
        lambda: node.node.GetReservation(
            pb.GetReservationRequest(reservation_id=str(uuid.uuid4()))
        ),
        Code.NOT_FOUND,
    )


def test_oversized_requests_are_resource_exhausted_and_too_many_lines_invalid(
    stocked: Node,
) -> None:
    node = stocked
    huge = [reserve_line(node, line_id=str(i), destination="X" * 1000) for i in range(5000)]
    refused(node, reserve(node, *huge), Code.RESOURCE_EXHAUSTED, "larger than max")
    many = [reserve_line(node, line_id=str(i), quantity=1) for i in range(501)]
    refused(node, reserve(node, *many), Code.INVALID_ARGUMENT, "501")
    refused(
        node,
        lambda: node.node.Quote(
            pb.QuoteRequest(
                demand_id="D", lines=[demand_line(node, line_id=str(i)) for i in range(501)]
            )
        ),
        Code.INVALID_ARGUMENT,
        "501",
    )
    empty = pb.ReserveRequest(
        reservation_id=str(uuid.uuid4()), plan_id="P", demand_id="D", ttl_seconds=300
    )
    refused(node, lambda: node.node.Reserve(empty), Code.INVALID_ARGUMENT, "line")


def test_a_reused_reservation_id_with_another_payload_already_exists(stocked: Node) -> None:
    node = stocked
    reservation_id = str(uuid.uuid4())
    reserve(node, reserve_line(node, quantity=5), reservation_id=reservation_id)()
    refused(
        node,
        reserve(node, reserve_line(node, quantity=6), reservation_id=reservation_id),
        Code.ALREADY_EXISTS,
        reservation_id,
    )


def test_missing_timestamps_and_unspecified_enums_are_invalid(stocked: Node) -> None:
    node = stocked
    undated = types.DemandLine(line_id="1", part_number="BRK-1", quantity=5, unit_of_measure="C62")
    refused(
        node,
        lambda: node.node.Quote(pb.QuoteRequest(demand_id="D", lines=[undated])),
        Code.INVALID_ARGUMENT,
        "lines[0].due_at",
    )
    refused(
        node,
        reserve(node, reserve_line(node, source=types.SUPPLY_SOURCE_UNSPECIFIED)),
        Code.INVALID_ARGUMENT,
        "lines[0].source",
        "UNSPECIFIED",
    )
    refused(
        node,
        lambda: node.receive("BRK-1", 5, quality=types.QUALITY_STATUS_UNSPECIFIED),
        Code.INVALID_ARGUMENT,
        "quality_status",
    )
    refused(
        node,
        lambda: node.admin.SetLotQuality(
            inv.SetLotQualityRequest(part_number="BRK-1", lot_number="L1", actor="qa")
        ),
        Code.INVALID_ARGUMENT,
        "quality_status",
    )
    refused(
        node,
        lambda: node.admin.SetSafetyStock(inv.SetSafetyStockRequest(part_number="BRK-1")),
        Code.INVALID_ARGUMENT,
        "quantity or formula",
    )
    refused(
        node,
        lambda: node.admin.ReceivePurchase(
            inv.ReceivePurchaseRequest(
                movement_id=str(uuid.uuid4()),
                purchase_order_number="PO",
                part_number="BRK-1",
                quantity=1,
                unit_of_measure="C62",
                location_id=LOCATION,
                lot_number="L9",
                production_date="01/02/2026",
                unit_cost_micros=1,
                currency="EUR",
                actor="t",
                quality_status=types.QUALITY_STATUS_RELEASED,
            )
        ),
        Code.INVALID_ARGUMENT,
        "production_date",
        "01/02/2026",
    )


def test_refusals_carry_a_machine_readable_reason(stocked: Node) -> None:
    with pytest.raises(grpc.RpcError) as err:
        reserve(stocked, reserve_line(stocked, part_number="NOPE-9"))()
    status = rpc_status.from_call(err.value)
    assert status is not None and status.details
    from google.rpc import error_details_pb2

    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)
    assert (info.reason, info.domain) == ("NOT_FOUND", "alliance.v1")
