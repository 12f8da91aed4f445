"""The transactional outbox: every state change, numbered, with a complete payload."""

from __future__ import annotations

import json

import pytest

from node.service.api import PreconditionFailed

from .conftest import Node


def test_every_change_writes_a_numbered_event_in_its_transaction(pooled: Node) -> None:
    service = pooled.service
    start = service.last_sequence()
    view = pooled.reserve(10)
    service.confirm(view.reservation_id)
    with pytest.raises(PreconditionFailed):
        pooled.reserve(1000)  # refused: writes nothing

    records = service.outbox_events_after(start)  # type: ignore[attr-defined]

    assert [r.sequence for r in records] == list(range(start + 1, start + 1 + len(records)))
    assert [r.event_type for r in records] == [
        "reservation.reserved",
        "pool_share.changed",
        "reservation.confirmed",
        "pool_share.changed",
    ]
    reserved = json.loads(records[0].payload_json)
    assert reserved["reservation_id"] == view.reservation_id
    assert reserved["lines"][0]["lots"] == [
        {"lot_number": "L1", "quantity": 10, "expiry_date": None, "production_date": None}
    ]
    assert reserved["created_at_ms"] == pooled.clock.now_ms() and records[0].actor == "alliance"
    confirmed = json.loads(records[2].payload_json)
    assert confirmed["sales_order_number"] == f"SO-{view.reservation_id}"
    assert confirmed["receivable_micros"] == 10 * 50_000_000
    assert confirmed["cost_of_goods_sold_micros"] == 10 * 2_000_000
    (issue,) = confirmed["movements"]
    assert (issue["type"], issue["quantity_delta"], issue["lot_number"]) == (
        "sales_issue",
        -10,
        "L1",
    )
    assert service.last_sequence() == records[-1].sequence


def test_the_books_side_is_in_the_outbox_too(node: Node) -> None:
    start = node.service.last_sequence()
    node.receive(quantity=3, movement_id="rcv-77")
    (received,) = node.service.outbox_events_after(start)  # type: ignore[attr-defined]
    payload = json.loads(received.payload_json)
    assert received.event_type == "stock.purchase_received" and received.actor == "clerk"
    assert payload["receipt"]["movement_id"] == "rcv-77"
    assert payload["result"]["payable_micros"] == 6_000_000
    assert payload["result"]["movements"][0]["booked_at_ms"] == node.clock.now_ms()
    # No pool_share.changed: with no safety stock pledged, the pool numbers did not move.
