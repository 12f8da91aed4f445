"""The node's domain rules, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain import validation as v
from node.domain.capacity import Capacity, producible_quantity, production_ready_at_ms
from node.domain.clock import DAY_MS, HOUR_MS, ManualClock, utc_date
from node.domain.costing import Valuation, div_half_even
from node.domain.lots import LotStock, pick_fefo, summarize
from node.domain.pool_share import pool_numbers
from node.domain.reservation import confirm_transition, release_transition
from node.domain.safety_stock import computed_safety_stock
from node.service.api import InvalidInput, PreconditionFailed, QualityStatus, ReservationState

TODAY = date(2026, 1, 10)
RELEASED = QualityStatus.RELEASED


def lot(
    number: str,
    on_hand: int,
    expiry: date | None = None,
    reserved: int = 0,
    quality: QualityStatus = RELEASED,
) -> LotStock:
    return LotStock(number, quality, expiry, None, on_hand, reserved)


def test_fefo_picks_earliest_expiry_then_undated_lots_by_number() -> None:
    lots = [
        lot("Z", 5),
        lot("A", 5),
        lot("late", 5, date(2026, 5, 1)),
        lot("soon", 5, date(2026, 2, 1), reserved=2),
        lot("gone", 9, date(2026, 1, 9)),
        lot("qa", 9, quality=QualityStatus.QUARANTINE),
    ]
    picks = pick_fefo(lots, 14, TODAY)
    assert [(p.lot_number, p.quantity) for p in picks] == [
        ("soon", 3),
        ("late", 5),
        ("A", 5),
        ("Z", 1),
    ]


def test_a_lot_is_usable_on_its_expiry_date() -> None:
    assert lot("x", 1, TODAY).free(TODAY) == 1
    assert lot("x", 1, date(2026, 1, 9)).free(TODAY) == 0


def test_pool_share_arithmetic() -> None:
    stock = summarize(
        [lot("a", 50), lot("b", 20, quality=QualityStatus.BLOCKED), lot("c", 10, date(2026, 1, 1))],
        TODAY,
    )
    assert (stock.on_hand, stock.blocked, stock.expired, stock.usable) == (80, 20, 10, 50)
    numbers = pool_numbers(
        pool_fraction=Decimal("0.30"), safety_stock=99, stock=stock, reserved=5, opted_out=False
    )
    assert (numbers.contributed, numbers.free) == (29, 24)  # floor(29.7)
    capped = pool_numbers(
        pool_fraction=Decimal("1"), safety_stock=99, stock=stock, reserved=60, opted_out=False
    )
    assert (capped.contributed, capped.free) == (50, 0)
    out = pool_numbers(
        pool_fraction=Decimal("0.3"), safety_stock=99, stock=stock, reserved=0, opted_out=True
    )
    assert (out.contributed, out.free) == (0, 0)


def test_safety_stock_formula_rounds_up_and_explains() -> None:
    calc = computed_safety_stock([10, 12, 8, 10], Decimal("0.95"), 9, "C62")
    # z = 1.6449, sigma = 1.6330, sqrt(9) = 3 -> 8.058 -> 9
    assert calc.quantity == 9
    assert "ceil(1.6449 x 1.6330 x sqrt(9))" in calc.explanation
    assert computed_safety_stock([5, 5, 5], Decimal("0.99"), 4, "C62").quantity == 0
    with pytest.raises(InvalidInput):
        computed_safety_stock([1], Decimal("0.95"), 4, "C62")


def test_production_after_lead_time_and_before_transit() -> None:
    cap = Capacity(capacity_per_day=10, lead_time_days=2, unit_price_micros=1, currency="EUR")
    now = 0
    due = 6 * DAY_MS
    assert (
        producible_quantity(cap, now_ms=now, due_at_ms=due, transit_hours=24, outstanding=0) == 30
    )
    assert (
        producible_quantity(cap, now_ms=now, due_at_ms=due, transit_hours=24, outstanding=25) == 5
    )
    assert (
        producible_quantity(
            cap, now_ms=now, due_at_ms=due - HOUR_MS, transit_hours=24, outstanding=0
        )
        == 20
    )  # a partial day does not count
    assert producible_quantity(None, now_ms=now, due_at_ms=due, transit_hours=0, outstanding=0) == 0
    assert production_ready_at_ms(cap, now_ms=now, outstanding=5, quantity=10) == 4 * DAY_MS


def test_moving_average_valuation_is_exact() -> None:
    value = Valuation(0, 0, 0).receive(3, 1_000_000).receive(4, 2_000_000)
    assert (value.value_micros, value.moving_average_cost_micros) == (11_000_000, 1_571_429)
    after, cogs = value.issue(5)
    assert cogs == 7_857_143 and after.value_micros == 3_142_857
    empty, last = after.issue(2)
    assert last == 3_142_857 and empty.value_micros == 0
    assert empty.moving_average_cost_micros == after.moving_average_cost_micros


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**9))
def test_half_even_division_matches_decimal(numerator: int, denominator: int) -> None:
    from decimal import ROUND_HALF_EVEN, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
    assert div_half_even(numerator, denominator) == int(expected)


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 1000), st.integers(0, 10**7)), max_size=40))
def test_valuation_never_leaves_value_without_stock(steps: list[tuple[bool, int, int]]) -> None:
    value = Valuation(0, 0, 0)
    for receive, quantity, cost in steps:
        if receive:
            value = value.receive(quantity, cost)
        elif value.quantity:
            value, _ = value.issue(min(quantity, value.quantity))
        assert value.value_micros >= 0
        assert value.quantity > 0 or value.value_micros == 0


def test_reservation_transitions() -> None:
    pending, confirmed = ReservationState.PENDING, ReservationState.CONFIRMED
    assert confirm_transition("r", pending, 100, 99) is True
    assert confirm_transition("r", confirmed, 100, 200) is False
    with pytest.raises(PreconditionFailed, match="expired"):
        confirm_transition("r", pending, 100, 100)
    with pytest.raises(PreconditionFailed, match="released"):
        confirm_transition("r", ReservationState.RELEASED, 100, 0)
    assert release_transition("r", pending, 100, 0) is ReservationState.RELEASED
    assert release_transition("r", pending, 100, 100) is ReservationState.EXPIRED
    assert release_transition("r", ReservationState.EXPIRED, 100, 0) is None
    with pytest.raises(PreconditionFailed, match="confirmed"):
        release_transition("r", confirmed, 100, 0)


@pytest.mark.parametrize("value", ["", "-lead", "a b", "x" * 65, "ü"])
def test_malformed_part_numbers(value: str) -> None:
    with pytest.raises(InvalidInput, match="malformed"):
        v.part_number(value)


def test_validation_of_ids_quantities_and_ttl() -> None:
    assert v.part_number("BRK-100/A.2_b") == "BRK-100/A.2_b"
    assert v.reservation_id("6F9619FF-8B86-D011-B42D-00C04FC964FF") == (
        "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
    for bad in (0, -1, True, 1.5):
        with pytest.raises(InvalidInput):
            v.positive_quantity(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="Recommendation 20"):
        v.unit_code("pieces")
    assert v.ttl_s(1) == 1 and v.ttl_s(7 * 86400) == 7 * 86400
    with pytest.raises(InvalidInput, match="appears more than once"):
        v.unique_line_ids(["1", "2", "1"])


def test_manual_clock_and_utc_dates() -> None:
    clock = ManualClock(1_767_225_600_000)
    assert utc_date(clock.now_ms()) == date(2026, 1, 1)
    clock.advance(days=1, seconds=1)
    assert utc_date(clock.now_ms()) == date(2026, 1, 2)
