"""Quotes, safety stock, pool policy and the pool-share change feed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from node.domain.clock import DAY_MS
from node.service.api import (
    DemandLineIn,
    InvalidInput,
    PartIn,
    PreconditionFailed,
    ShipmentIn,
)

from .conftest import Node


def line(
    quantity: int,
    part: str = "P-100",
    *,
    due_in_days: int = 10,
    line_id: str = "1",
    now_ms: int = 0,
    unit: str = "C62",
) -> DemandLineIn:
    return DemandLineIn(line_id, part, quantity, unit, now_ms + due_in_days * DAY_MS, "DEHAM")


def test_quote_offers_stock_then_production_and_holds_nothing(pooled: Node) -> None:
    service, now = pooled.service, pooled.clock.now_ms()
    pooled.receive(quantity=10, lot="EARLY", expiry=date(2026, 2, 1))
    service.set_capacity("P-100", 20, 3, 48_000_000, "EUR")
    service.set_shipping_lane("DEHAM", 100_000, 80_000_000, 48, "EUR")
    seq = service.last_sequence()

    quote = service.quote("demand-7", [line(100, now_ms=now)])

    (q,) = quote.lines
    assert q.stock_quantity == 30 and [(p.lot_number, p.quantity) for p in q.lots] == [
        ("EARLY", 10),
        ("L1", 20),
    ]
    # 10 days - 2 days transit - 3 days lead time = 5 production days x 20 = 100: offered beside
    # the stock; the 70 that stock lacks take 4 days after the lead time.
    assert q.producible_quantity == 100
    assert q.earliest_ship_at_ms == now + (3 + 4) * DAY_MS
    assert (q.unit_price_micros, q.transit_time_hours, q.shipment_fixed_cost_micros) == (
        48_000_000,
        48,
        80_000_000,
    )
    assert q.shortfall_reason == "" and q.contributed_quantity == 30
    assert service.last_sequence() == seq


def test_quote_explains_a_shortfall_and_unknown_parts(pooled: Node) -> None:
    now = pooled.clock.now_ms()
    quote = pooled.service.quote("d", [line(50, now_ms=now), line(5, "GHOST", line_id="2")])
    short, ghost = quote.lines
    assert short.stock_quantity == 30 and short.producible_quantity == 0
    assert "asked 50 of part P-100, pool share free 30" in short.shortfall_reason
    assert "no production capacity" in short.shortfall_reason
    assert ghost.stock_quantity == 0 and ghost.shortfall_reason.startswith("unknown part")


def test_quote_lines_for_the_same_part_share_the_free_units(pooled: Node) -> None:
    now = pooled.clock.now_ms()
    a, b = pooled.service.quote(
        "d", [line(20, now_ms=now), line(20, now_ms=now, line_id="2")]
    ).lines
    assert (a.stock_quantity, b.stock_quantity) == (20, 10)


def test_quote_refuses_a_unit_mismatch(pooled: Node) -> None:
    with pytest.raises(InvalidInput, match="'KGM'.*'C62'"):
        pooled.service.quote("d", [line(1, unit="KGM")])


def test_pool_share_is_the_fraction_of_safety_stock_capped_by_usable_stock(node: Node) -> None:
    node.receive(quantity=10)
    result = node.service.set_safety_stock("P-100", 101)
    assert result.pool_share.contributed_quantity == 10  # floor(0.30 x 101) = 30 > 10 usable
    assert "101 C62 (configured)" in result.explanation
    node.receive(quantity=100, lot="L2")
    (share,), _ = node.service.pool_shares()
    assert (share.contributed_quantity, share.pool_fraction) == (30, Decimal("0.30"))


def test_opt_out_withdraws_the_part(pooled: Node) -> None:
    view = pooled.service.set_pool_policy("P-100", True)
    assert view.opted_out and view.contributed_quantity == 0 and view.free_quantity == 0
    assert pooled.service.pool_shares()[0] == []  # not pooled: not listed...
    assert pooled.service.pool_shares(["P-100"])[0] == [view]  # ...unless asked for by name
    with pytest.raises(PreconditionFailed, match="not pooled"):
        pooled.reserve(1)
    assert pooled.service.set_pool_policy("P-100", False).free_quantity == 30


def test_safety_stock_from_sales_history(pooled: Node) -> None:
    service = pooled.service
    service.set_capacity("P-100", 50, 4, 0, "EUR")
    for day, quantity in enumerate([2, 4, 6, 4, 2, 6, 4]):
        service.ship_sales(
            ShipmentIn(f"s-{day}", "SO-1", "OEM", "P-100", quantity, "C62", 1, "EUR", "clerk")
        )
        pooled.clock.advance(days=1)
    result = service.compute_safety_stock("P-100", Decimal("0.95"), 7)
    # z(0.95) = 1.6449, sigma = 1.6330, sqrt(4) = 2 -> 5.372 -> 6
    assert result.pool_share.safety_stock_quantity == 6
    assert "ceil(1.6449 x 1.6330 x sqrt(4))" in result.explanation
    assert result.pool_share.contributed_quantity == 1  # floor(0.30 x 6)
    with pytest.raises(InvalidInput, match="service level"):
        service.compute_safety_stock("P-100", Decimal("1.2"), 7)


def test_every_pool_share_change_is_in_the_feed_in_order(pooled: Node) -> None:
    service = pooled.service
    shares, seq = service.pool_shares()
    view = pooled.reserve(10)
    service.release(view.reservation_id)
    pooled.receive(quantity=5, lot="L2")  # usable 105, pledge still 30: no change
    events = service.pool_share_events_after(seq)
    assert [e.pool_share.free_quantity for e in events] == [20, 30]
    assert [e.sequence for e in events] == sorted(e.sequence for e in events)
    assert events[0].event_at_ms == pooled.clock.now_ms()
    assert service.pool_share_events_after(events[0].sequence) == events[1:]
    assert service.pool_share_events_after(seq, ["OTHER"]) == []
    assert service.pool_share_events_after(seq, limit=1) == events[:1]
    shares_now, last = service.pool_shares()
    assert last == service.last_sequence() >= events[-1].sequence
    assert shares_now[0] == events[-1].pool_share


def test_new_parts_are_announced(node: Node) -> None:
    seq = node.service.last_sequence()
    node.service.upsert_part(PartIn("P-200", "Pad", "C62"))
    (event,) = node.service.pool_share_events_after(seq)
    assert event.pool_share.part_number == "P-200" and event.pool_share.contributed_quantity == 0
