"""Reserve, confirm, release, expire: the alliance's holds on the node's pool share."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from node.service.api import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PartIn,
    PreconditionFailed,
    QualityStatus,
    ReservationState,
    ReserveCommand,
    ReserveLineIn,
    SupplySource,
)

from .conftest import Node, command


def free(node: Node, part: str = "P-100") -> int:
    (share,), _ = node.service.pool_shares([part])
    return share.free_quantity


def test_reserve_holds_units_and_picks_lots_first_expiry_first(node: Node) -> None:
    node.receive(quantity=40, lot="LATE", expiry=date(2026, 9, 1))
    node.receive(quantity=40, lot="NONE")
    node.receive(quantity=20, lot="EARLY", expiry=date(2026, 3, 1))
    node.service.set_safety_stock("P-100", 200)  # pledge 60

    view = node.reserve(50)

    assert [(p.lot_number, p.quantity) for p in view.lines[0].lots] == [("EARLY", 20), ("LATE", 30)]
    assert view.lines[0].unit_price_micros == 50_000_000
    assert view.expires_at_ms == view.created_at_ms + 60_000
    assert free(node) == 10
    assert node.service.get_reservation(view.reservation_id) == view


def test_reserve_more_than_free_says_how_much_and_why(pooled: Node) -> None:
    pooled.service.set_lot_quality("P-100", "L1", QualityStatus.BLOCKED, "qa")
    pooled.receive(quantity=10, lot="L2")
    with pytest.raises(PreconditionFailed) as err:
        pooled.reserve(11)
    message = str(err.value)
    assert "asked 11" in message and "free 10" in message and "lot L1 (100) is blocked" in message


def test_expired_lots_are_not_available(pooled: Node) -> None:
    pooled.receive(quantity=100, lot="OLD", expiry=date(2025, 12, 31))
    pooled.service.set_safety_stock("P-100", 1000)  # pledge 300, usable only 100
    with pytest.raises(PreconditionFailed, match="lot OLD .*expired on 2025-12-31"):
        pooled.reserve(101)
    assert [p.lot_number for p in pooled.reserve(100).lines[0].lots] == ["L1"]


def test_retried_reserve_returns_the_first_result(pooled: Node) -> None:
    first = pooled.reserve(5)
    again = pooled.service.reserve(command(5, reservation_id=first.reservation_id))
    assert again == first
    assert free(pooled) == 25
    with pytest.raises(AlreadyExists, match=first.reservation_id):
        pooled.service.reserve(command(6, reservation_id=first.reservation_id))


def test_all_lines_or_none(pooled: Node) -> None:
    before = pooled.service.pool_shares()
    lines = (
        ReserveLineIn("a", "P-100", 10, "C62", SupplySource.STOCK),
        ReserveLineIn("b", "P-100", 25, "C62", SupplySource.STOCK),
    )
    with pytest.raises(PreconditionFailed, match="asked 35"):
        pooled.service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", lines, 60))
    assert pooled.service.pool_shares() == before


def test_confirm_ships_the_held_lots_with_finance(pooled: Node) -> None:
    view = pooled.reserve(10)
    done = pooled.service.confirm(view.reservation_id)
    assert done.state is ReservationState.CONFIRMED
    assert done.sales_order_number == f"SO-{view.reservation_id}"
    assert pooled.service.confirm(view.reservation_id) == done  # idempotent
    (position,) = pooled.service.stock_positions(["P-100"])
    assert position.quantity_on_hand == 90 and position.reserved_quantity == 0
    assert position.pool_share.contributed_quantity == 30  # 90 usable, pledge 30
    result = pooled.service.reconcile()
    assert result.balanced, result.mismatches
    with pytest.raises(PreconditionFailed, match="confirmed"):
        pooled.service.release(view.reservation_id)


def test_release_gives_units_back_and_is_idempotent(pooled: Node) -> None:
    view = pooled.reserve(10)
    released = pooled.service.release(view.reservation_id, "plan changed")
    assert released.state is ReservationState.RELEASED
    assert free(pooled) == 30
    assert pooled.service.release(view.reservation_id) == released
    with pytest.raises(PreconditionFailed, match="released"):
        pooled.service.confirm(view.reservation_id)


def test_ttl_runs_out_then_sweep_expires(pooled: Node) -> None:
    view = pooled.reserve(30, ttl_s=5)
    assert free(pooled) == 0
    pooled.clock.advance(seconds=5)
    with pytest.raises(PreconditionFailed, match="expired"):
        pooled.service.confirm(view.reservation_id)
    assert pooled.service.expire_due() == 1
    assert pooled.service.get_reservation(view.reservation_id).state is ReservationState.EXPIRED
    assert free(pooled) == 30
    assert pooled.service.expire_due() == 0
    assert pooled.service.reconcile().balanced


def test_reserve_does_not_count_expired_holds_before_the_sweep(pooled: Node) -> None:
    old = pooled.reserve(30, ttl_s=1)
    pooled.clock.advance(seconds=2)
    new = pooled.reserve(30)
    assert new.state is ReservationState.PENDING
    assert pooled.service.get_reservation(old.reservation_id).state is ReservationState.EXPIRED
    assert pooled.service.reconcile().balanced


def test_confirm_ships_other_lots_when_a_held_lot_was_blocked(pooled: Node) -> None:
    view = pooled.reserve(10)
    pooled.service.set_lot_quality("P-100", "L1", QualityStatus.QUARANTINE, "qa")
    with pytest.raises(PreconditionFailed, match="held lot L1 is quarantine.*cover only 0 of"):
        pooled.service.confirm(view.reservation_id)
    assert pooled.service.get_reservation(view.reservation_id).state is ReservationState.PENDING
    pooled.receive(quantity=4, lot="L2", expiry=date(2026, 6, 1))
    pooled.receive(quantity=20, lot="L3")
    start = pooled.service.last_sequence()
    assert pooled.service.confirm(view.reservation_id).state is ReservationState.CONFIRMED
    shipped = [
        r
        for r in pooled.service.outbox_events_after(start)  # type: ignore[attr-defined]
        if r.event_type == "reservation.confirmed"
    ]
    movements = json.loads(shipped[0].payload_json)["movements"]
    assert [(m["lot_number"], m["quantity_delta"]) for m in movements] == [("L2", -4), ("L3", -6)]
    result = pooled.service.reconcile()
    assert result.balanced, result.mismatches


BAD_RESERVATIONS = [
    ({"quantity": 0}, InvalidInput, "must be positive"),
    ({"quantity": -3}, InvalidInput, "must be positive"),
    ({"part": "NOPE"}, NotFound, "NOPE"),
    ({"part": "bad part!"}, InvalidInput, "malformed"),
    ({"unit": "KGM"}, InvalidInput, "'KGM' does not match part P-100's unit 'C62'"),
    ({"reservation_id": "not-a-uuid"}, InvalidInput, "not a UUID"),
    ({"ttl_s": 0}, InvalidInput, "ttl 0 s"),
    ({"ttl_s": 8 * 86400}, InvalidInput, "7 days"),
    ({"quantity": 31}, PreconditionFailed, "asked 31 of part P-100, pool share free 30"),
]


def test_bad_reserve_requests_change_nothing(pooled: Node) -> None:
    before = (pooled.service.pool_shares(), pooled.service.last_sequence())
    for change, error, words in BAD_RESERVATIONS:
        with pytest.raises(error, match=words):
            pooled.service.reserve(
                command(
                    change.get("quantity", 5),
                    change.get("part", "P-100"),
                    ttl_s=change.get("ttl_s", 60),
                    reservation_id=change.get("reservation_id"),
                    unit=change.get("unit", "C62"),
                )
            )
    assert (pooled.service.pool_shares(), pooled.service.last_sequence()) == before


def test_oversized_and_duplicate_lines_are_refused(pooled: Node) -> None:
    line = ReserveLineIn("1", "P-100", 1, "C62", SupplySource.STOCK)
    with pytest.raises(InvalidInput, match="501 lines exceed the maximum of 500"):
        pooled.service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", (line,) * 501, 60))
    with pytest.raises(InvalidInput, match="appears more than once"):
        pooled.service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", (line, line), 60))
    with pytest.raises(InvalidInput, match="supply source"):
        bad = ReserveLineIn("1", "P-100", 1, "C62", "stock")  # type: ignore[arg-type]
        pooled.service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", (bad,), 60))


def test_unknown_reservation(pooled: Node) -> None:
    for call in (pooled.service.get_reservation, pooled.service.confirm, pooled.service.release):
        with pytest.raises(NotFound):
            call(str(uuid.uuid4()))


def test_production_lines_use_capacity_by_the_due_time(pooled: Node) -> None:
    service = pooled.service
    service.set_capacity("P-100", 10, 2, 45_000_000, "EUR")
    service.set_shipping_lane("DEHAM", 1_000, 50_000_000, 24, "EUR")
    due = pooled.clock.now_ms() + 6 * 86_400_000  # 6 days: 1 transit, 2 lead, 3 producing
    view = pooled.reserve(30, source=SupplySource.PRODUCTION, due_at_ms=due)
    assert view.lines[0].lots == () and view.lines[0].unit_price_micros == 45_000_000
    with pytest.raises(PreconditionFailed, match="producible 0"):
        pooled.reserve(1, source=SupplySource.PRODUCTION, due_at_ms=due)
    assert free(pooled) == 30  # production holds do not touch the pool share
    done = service.confirm(view.reservation_id)
    assert done.state is ReservationState.CONFIRMED
    assert service.reconcile().balanced


def test_unit_mismatch_names_both_units(node: Node) -> None:
    node.service.upsert_part(PartIn("OIL-5", "Oil", "KGM"))
    with pytest.raises(InvalidInput, match="'C62'.*'KGM'"):
        node.reserve(1, part="OIL-5")


def test_reserve_many_answers_each_command_on_its_own(pooled: Node) -> None:
    # What the aio alliance port hands over at once: valid commands, a malformed one, one
    # the pool cannot serve, and a retry of a command earlier in the same batch.
    first = command(5)
    results = pooled.service.reserve_many(
        [
            first,
            command(0),
            command(26),
            command(7),
            command(5, reservation_id=first.reservation_id),
        ]
    )
    assert isinstance(results[1], InvalidInput)
    assert isinstance(results[2], PreconditionFailed) and "asked 26" in str(results[2])
    made, retried = results[0], results[4]
    assert not isinstance(made, Exception) and made.reservation_id == first.reservation_id
    assert retried == made  # one reservation, answered twice
    assert not isinstance(results[3], Exception) and results[3].lines[0].quantity == 7
    assert free(pooled) == 30 - 5 - 7
    assert pooled.service.get_reservation(first.reservation_id) == made
