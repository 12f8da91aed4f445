"""End to end over gRPC against a node running as its own process (SQLite and PostgreSQL)."""

from __future__ import annotations

import queue
import statistics
import threading
import time
import uuid

import grpc
import pytest
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types

from .conftest import NodeClient, timestamp_in


def pool_share(client: NodeClient, part: str) -> types.PoolShare:
    (share,) = client.node.GetPoolShares(pb.GetPoolSharesRequest(part_numbers=[part])).pool_shares
    return share


class Watcher:
    """Collects WatchPoolShares events on a thread with their arrival time."""

    def __init__(self, client: NodeClient, **request: object) -> None:
        self.events: queue.Queue[tuple[float, pb.WatchPoolSharesResponse]] = queue.Queue()
        self.call = client.node.WatchPoolShares(pb.WatchPoolSharesRequest(**request))
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            for event in self.call:
                self.events.put((time.perf_counter(), event))
        except grpc.RpcError:
            pass

    def next(self, timeout_s: float = 5) -> tuple[float, pb.WatchPoolSharesResponse]:
        return self.events.get(timeout=timeout_s)

    def close(self) -> None:
        self.call.cancel()


def reserve_request(
    part: str, quantity: int, *, reservation_id: str | None = None, ttl_s: int = 300
) -> pb.ReserveRequest:
    return pb.ReserveRequest(
        reservation_id=reservation_id or str(uuid.uuid4()),
        plan_id="plan-1",
        demand_id="D-1",
        ttl_seconds=ttl_s,
        lines=[
            pb.ReserveLine(
                line_id="1",
                part_number=part,
                quantity=quantity,
                unit_of_measure="C62",
                source=types.SUPPLY_SOURCE_STOCK,
                due_at=timestamp_in(48),
                destination="DEWOB",
            )
        ],
    )


def test_node_info_names_the_member_and_its_audit_key(node_client: NodeClient) -> None:
    info = node_client.node.GetNodeInfo(pb.GetNodeInfoRequest())
    assert info.member_id == "S01"
    assert info.member_name == "Test Supplier"
    assert info.dictionary_version
    assert len(info.audit_public_key) == 32


def test_watcher_sees_a_receipts_pool_share_change_within_100_ms(node_client: NodeClient) -> None:
    node_client.add_part("BRK-100", on_hand=10, safety_stock=1000)  # pool share capped by stock
    watcher = Watcher(node_client, part_numbers=["BRK-100"])
    _, snapshot = watcher.next()
    assert snapshot.WhichOneof("event") == "snapshot"
    assert snapshot.snapshot.pool_shares[0].contributed_quantity == 10

    delays_ms = []
    for i in range(1, 6):
        node_client.receive("BRK-100", 5)
        committed = time.perf_counter()  # the receipt RPC has returned: the change is committed
        arrived, event = watcher.next()
        assert event.WhichOneof("event") == "change"
        assert event.change.contributed_quantity == 10 + 5 * i
        delays_ms.append((arrived - committed) * 1000)
    watcher.close()
    # Every change arrives; the typical one well inside the 100 ms the alliance needs.
    assert statistics.median(delays_ms) < 100, delays_ms


def test_resume_from_a_sequence_gets_exactly_the_missed_changes(node_client: NodeClient) -> None:
    node_client.add_part("BRG-200", on_hand=5, safety_stock=1000)
    first = node_client.node.GetPoolShares(pb.GetPoolSharesRequest(part_numbers=["BRG-200"]))
    for _ in range(3):  # missed while no watcher was connected
        node_client.receive("BRG-200", 2)

    watcher = Watcher(node_client, part_numbers=["BRG-200"], resume_after_sequence=first.sequence)
    missed = [watcher.next()[1] for _ in range(3)]
    watcher.close()
    assert all(e.WhichOneof("event") == "change" for e in missed)
    sequences = [e.sequence for e in missed]
    assert sequences == sorted(set(sequences)) and sequences[0] > first.sequence
    assert [e.change.contributed_quantity for e in missed] == [7, 9, 11]

    # Resuming from the second change yields only the third, then nothing more.
    again = Watcher(node_client, part_numbers=["BRG-200"], resume_after_sequence=sequences[1])
    assert again.next()[1].sequence == sequences[2]
    with pytest.raises(queue.Empty):
        again.next(timeout_s=0.5)
    again.close()


def test_quote_holds_nothing_and_picks_lots_first_expiry_first(node_client: NodeClient) -> None:
    node_client.add_part("ECU-300", on_hand=20, safety_stock=200, lot="LATE", expiry="2028-06-30")
    node_client.receive("ECU-300", 20, lot="EARLY", expiry="2027-03-31")
    before = pool_share(node_client, "ECU-300")

    quote = node_client.node.Quote(
        pb.QuoteRequest(
            demand_id="D-9",
            lines=[
                types.DemandLine(
                    line_id="1",
                    part_number="ECU-300",
                    quantity=25,
                    unit_of_measure="C62",
                    due_at=timestamp_in(24 * 10),
                    destination="DEWOB",
                )
            ],
        )
    )
    (line,) = quote.lines
    assert line.stock_quantity == 25
    assert [(lot.lot_number, lot.quantity) for lot in line.lots] == [("EARLY", 20), ("LATE", 5)]
    assert line.producible_quantity > 0  # 100/day after a 2-day lead time, 10 days out
    assert pool_share(node_client, "ECU-300") == before


def test_reserve_is_idempotent_and_confirm_release_follow_the_state_machine(
    node_client: NodeClient,
) -> None:
    node_client.add_part("WPR-400", on_hand=100, safety_stock=100)  # pool share 30
    request = reserve_request("WPR-400", 12)
    first = node_client.node.Reserve(request)
    assert first.reservation.state == types.RESERVATION_STATE_PENDING
    retried = node_client.node.Reserve(request)
    assert retried.reservation == first.reservation
    share = pool_share(node_client, "WPR-400")
    assert (share.contributed_quantity, share.reserved_quantity, share.free_quantity) == (
        30,
        12,
        18,
    )

    confirmed = node_client.node.Confirm(pb.ConfirmRequest(reservation_id=request.reservation_id))
    assert confirmed.reservation.state == types.RESERVATION_STATE_CONFIRMED
    assert confirmed.reservation.sales_order_number
    (position,) = node_client.admin.GetStock(inv.GetStockRequest(part_numbers=["WPR-400"])).parts
    assert position.quantity_on_hand == 88
    with pytest.raises(grpc.RpcError) as err:
        node_client.node.Release(pb.ReleaseRequest(reservation_id=request.reservation_id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    other = reserve_request("WPR-400", 5)
    node_client.node.Reserve(other)
    released = node_client.node.Release(
        pb.ReleaseRequest(reservation_id=other.reservation_id, reason="plan changed")
    )
    assert released.reservation.state == types.RESERVATION_STATE_RELEASED
    assert pool_share(node_client, "WPR-400").reserved_quantity == 0
    got = node_client.node.GetReservation(
        pb.GetReservationRequest(reservation_id=other.reservation_id)
    )
    assert got.reservation.state == types.RESERVATION_STATE_RELEASED


def test_a_pending_reservation_expires_when_its_ttl_runs_out(node_client: NodeClient) -> None:
    node_client.add_part("HOS-500", on_hand=100, safety_stock=100)
    request = reserve_request("HOS-500", 10, ttl_s=1)
    node_client.node.Reserve(request)
    assert pool_share(node_client, "HOS-500").free_quantity == 20
    deadline = time.monotonic() + 10
    state = types.RESERVATION_STATE_PENDING
    while state == types.RESERVATION_STATE_PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        state = node_client.node.GetReservation(
            pb.GetReservationRequest(reservation_id=request.reservation_id)
        ).reservation.state
    assert state == types.RESERVATION_STATE_EXPIRED
    assert pool_share(node_client, "HOS-500").free_quantity == 30
    with pytest.raises(grpc.RpcError) as err:
        node_client.node.Confirm(pb.ConfirmRequest(reservation_id=request.reservation_id))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_health_is_served(node_client: NodeClient) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    stub = health_pb2_grpc.HealthStub(node_client.channels[0])
    reply = stub.Check(health_pb2.HealthCheckRequest(service="alliance.v1.NodeService"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
