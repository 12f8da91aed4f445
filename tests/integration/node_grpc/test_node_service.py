"""NodeService over real gRPC on loopback: every RPC's happy path."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types

from .conftest import MEMBER_ID, Node


def reserve_request(
    node: Node, part: str, quantity: int, *, ttl_s: int = 300, reservation_id: str = ""
) -> pb.ReserveRequest:
    return pb.ReserveRequest(
        reservation_id=reservation_id or str(uuid.uuid4()),
        plan_id="PLAN-1",
        demand_id="D-1",
        ttl_seconds=ttl_s,
        lines=[
            pb.ReserveLine(
                line_id="1",
                part_number=part,
                quantity=quantity,
                unit_of_measure="C62",
                source=types.SUPPLY_SOURCE_STOCK,
                due_at=node.due_in(48),
                destination="DEWOB",
            )
        ],
    )


def share_of(node: Node, part: str) -> types.PoolShare:
    (share,) = node.node.GetPoolShares(pb.GetPoolSharesRequest(part_numbers=[part])).pool_shares
    return share


def test_node_info_names_the_member_its_key_and_the_node_time(node: Node) -> None:
    info = node.node.GetNodeInfo(pb.GetNodeInfoRequest())
    assert (info.member_id, info.member_name) == (MEMBER_ID, "Test Supplier")
    assert info.audit_public_key == node.public_key
    assert info.audit_log_origin == f"alliance.v1/node/{MEMBER_ID}"
    assert info.dictionary_version
    assert info.node_time.ToMilliseconds() == node.clock.now_ms()


def test_pool_shares_by_part_and_for_all_parts_carry_the_sequence(node: Node) -> None:
    node.add_part("BRK-100", on_hand=500, safety_stock=200)  # 30 % of 200 = 60
    node.add_part("BRG-200", on_hand=10, safety_stock=200)  # capped by stock: 10

    reply = node.node.GetPoolShares(pb.GetPoolSharesRequest())
    by_part = {s.part_number: s for s in reply.pool_shares}
    assert set(by_part) == {"BRK-100", "BRG-200"}
    brk = by_part["BRK-100"]
    assert (brk.member_id, brk.unit_of_measure, brk.pool_fraction) == (MEMBER_ID, "C62", "0.30")
    assert (brk.safety_stock_quantity, brk.contributed_quantity, brk.free_quantity) == (200, 60, 60)
    assert by_part["BRG-200"].contributed_quantity == 10
    assert brk.updated_at.ToMilliseconds() > 0
    assert reply.sequence == node.service.last_sequence() > 0

    only = node.node.GetPoolShares(pb.GetPoolSharesRequest(part_numbers=["BRG-200"]))
    assert [s.part_number for s in only.pool_shares] == ["BRG-200"]


def test_quote_offers_stock_by_lots_first_expiry_first_and_production_and_holds_nothing(
    node: Node,
) -> None:
    node.add_part("ECU-300", on_hand=100, safety_stock=200, lot="LATE", expiry="2028-06-30")
    node.receive("ECU-300", 100, lot="EARLY", expiry="2027-03-31")
    before = node.state()

    reply = node.node.Quote(
        pb.QuoteRequest(
            demand_id="D-9",
            lines=[
                types.DemandLine(
                    line_id="1",
                    part_number="ECU-300",
                    quantity=80,
                    unit_of_measure="C62",
                    due_at=node.due_in(24 * 10),
                    destination="DEWOB",
                )
            ],
        )
    )
    assert (reply.member_id, reply.demand_id) == (MEMBER_ID, "D-9")
    assert reply.quoted_at.ToMilliseconds() == node.clock.now_ms()
    (line,) = reply.lines
    assert (line.line_id, line.part_number, line.unit_of_measure) == ("1", "ECU-300", "C62")
    assert line.stock_quantity == 60  # the whole pool share
    assert [(lot.lot_number, lot.quantity) for lot in line.lots] == [("EARLY", 60)]
    assert line.lots[0].expiry_date == "2027-03-31"
    assert line.producible_quantity > 0 and line.capacity_per_day == 100
    assert line.unit_price_micros > 0 and line.currency == "EUR"
    assert line.earliest_ship_at.ToMilliseconds() >= node.clock.now_ms()
    assert node.state() == before


def test_reserve_retry_confirm_release_and_get_follow_the_state_machine(node: Node) -> None:
    node.add_part("WPR-400", on_hand=100, safety_stock=100)  # pool share 30
    request = reserve_request(node, "WPR-400", 12)

    first = node.node.Reserve(request).reservation
    assert first.state == types.RESERVATION_STATE_PENDING
    assert (first.reservation_id, first.plan_id, first.member_id) == (
        request.reservation_id,
        "PLAN-1",
        MEMBER_ID,
    )
    assert first.expires_at.ToMilliseconds() == first.created_at.ToMilliseconds() + 300_000
    (line,) = first.lines
    assert (line.quantity, line.source) == (12, types.SUPPLY_SOURCE_STOCK)
    assert sum(lot.quantity for lot in line.lots) == 12
    assert node.node.Reserve(request).reservation == first  # a retry returns the first result
    share = share_of(node, "WPR-400")
    assert (share.contributed_quantity, share.reserved_quantity, share.free_quantity) == (
        30,
        12,
        18,
    )

    confirmed = node.node.Confirm(pb.ConfirmRequest(reservation_id=request.reservation_id))
    assert confirmed.reservation.state == types.RESERVATION_STATE_CONFIRMED
    assert confirmed.reservation.sales_order_number
    (position,) = node.service.stock_positions(["WPR-400"])
    assert position.quantity_on_hand == 88

    other = reserve_request(node, "WPR-400", 5)
    node.node.Reserve(other)
    released = node.node.Release(
        pb.ReleaseRequest(reservation_id=other.reservation_id, reason="plan changed")
    )
    assert released.reservation.state == types.RESERVATION_STATE_RELEASED
    assert share_of(node, "WPR-400").reserved_quantity == 0
    got = node.node.GetReservation(pb.GetReservationRequest(reservation_id=other.reservation_id))
    assert got.reservation == released.reservation

    with pytest.raises(grpc.RpcError) as err:
        node.node.Release(pb.ReleaseRequest(reservation_id=request.reservation_id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "confirmed" in (err.value.details() or "")


def test_the_server_expires_reservations_whose_time_to_live_ran_out(node: Node) -> None:
    node.add_part("HOS-500", on_hand=100, safety_stock=100)
    request = reserve_request(node, "HOS-500", 10, ttl_s=5)
    node.node.Reserve(request)
    assert share_of(node, "HOS-500").free_quantity == 20

    node.clock.advance(seconds=6)
    deadline = time.monotonic() + 5
    state = types.RESERVATION_STATE_PENDING
    while state == types.RESERVATION_STATE_PENDING and time.monotonic() < deadline:
        time.sleep(0.02)
        reply = node.node.GetReservation(
            pb.GetReservationRequest(reservation_id=request.reservation_id)
        )
        state = reply.reservation.state
    assert state == types.RESERVATION_STATE_EXPIRED
    assert share_of(node, "HOS-500").free_quantity == 30
    with pytest.raises(grpc.RpcError) as err:
        node.node.Confirm(pb.ConfirmRequest(reservation_id=request.reservation_id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
