"""From node quotes to optimizer offers."""

from __future__ import annotations

from pool.adapters.node_client import QuoteLineData
from pool.service.api import DemandLineIn
from pool.service.planning import History, offers_from_quotes


def quote_line(line_id: str, stock: int, producible: int = 0, transit_h: int = 24) -> QuoteLineData:
    return QuoteLineData(
        line_id=line_id, part_number="BRK-1", unit_of_measure="C62", stock_quantity=stock,
        producible_quantity=producible, unit_price_micros=10_000_000, currency="EUR",
        earliest_ship_at_ms=0, capacity_per_day=0, lead_time_days=0,
        shipping_cost_per_unit_micros=100_000, shipment_fixed_cost_micros=5_000_000,
        transit_time_hours=transit_h, contributed_quantity=90, shortfall_reason="",
    )


def demand_line(line_id: str, destination: str) -> DemandLineIn:
    return DemandLineIn(line_id, "BRK-1", 60, "C62", 10**13, destination)


def test_a_line_left_without_stock_still_gives_its_lane_and_free_stock_is_the_sum() -> None:
    # The node had 90 free: line 1 took 60, line 2 got the remaining 30, line 3 nothing.
    lines = [demand_line("1", "DEWOB"), demand_line("2", "CNSHA"), demand_line("3", "USDET")]
    quotes = {
        "S01": [
            quote_line("1", 60),
            quote_line("2", 30, transit_h=300),
            quote_line("3", 0, transit_h=200),
        ]
    }
    (offer,) = offers_from_quotes(quotes, lines, History({}, {}))
    assert offer.stock_quantity == 90
    assert {lane.destination: lane.transit_time_hours for lane in offer.lanes} == {
        "DEWOB": 24, "CNSHA": 300, "USDET": 200,
    }


def test_a_member_that_offers_nothing_for_a_part_makes_no_offer() -> None:
    lines = [demand_line("1", "DEWOB")]
    assert offers_from_quotes({"S02": [quote_line("1", 0)]}, lines, History({}, {})) == ()


def test_pooled_stock_is_offered_as_ready_now_even_when_the_line_needs_production_too() -> None:
    # The node quotes 30 from stock and production for the rest: the whole line ships in 4 days.
    whole_line_ships_at = 4 * 86_400_000
    q = quote_line("1", 30, producible=70)
    q = QuoteLineData(**{**q.__dict__, "earliest_ship_at_ms": whole_line_ships_at})
    (offer,) = offers_from_quotes({"S01": [q]}, [demand_line("1", "DEWOB")], History({}, {}))
    assert offer.stock_ready_at is None  # the optimizer reads None as "now"
