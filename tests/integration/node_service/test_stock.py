"""The supplier's books: receipts, shipments, transfers, counts, lot quality, finance."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from node.service.api import (
    AlreadyExists,
    CountIn,
    InvalidInput,
    MovementType,
    NotFound,
    PartIn,
    PreconditionFailed,
    QualityStatus,
    ReceiptIn,
    ShipmentIn,
    TransferIn,
)

from .conftest import Node


def ship(node: Node, quantity: int, movement_id: str = "shp-1", price: int = 5_000_000):  # type: ignore[no-untyped-def]
    return node.service.ship_sales(
        ShipmentIn(
            movement_id,
            "SO-9",
            "OEM-1",
            "P-100",
            quantity,
            "C62",
            price,
            "EUR",
            "clerk",
        )
    )


def test_receipt_creates_payable_and_moving_average_cost(node: Node) -> None:
    first = node.receive(quantity=3, unit_cost_micros=1_000_000)
    assert first.payable_micros == 3_000_000 and first.moving_average_cost_micros == 1_000_000
    second = node.receive(quantity=4, lot="L2", unit_cost_micros=2_000_000)
    # (3 x 1.000000 + 4 x 2.000000) / 7 = 1.571428571... -> 1.571429 (half-even to the micro)
    assert second.moving_average_cost_micros == 1_571_429
    (movement,) = second.movements
    assert movement.type is MovementType.PURCHASE_RECEIPT and movement.quantity_delta == 4
    assert movement.document_number == "PO-1" and movement.actor == "clerk"


def test_shipment_issues_fefo_with_receivable_and_exact_cogs(node: Node) -> None:
    node.receive(quantity=3, lot="B", unit_cost_micros=1_000_000, expiry=date(2026, 6, 1))
    node.receive(quantity=4, lot="A", unit_cost_micros=2_000_000, expiry=date(2026, 3, 1))
    result = ship(node, 5)
    assert [(m.lot_number, m.quantity_delta) for m in result.movements] == [("A", -4), ("B", -1)]
    assert result.receivable_micros == 25_000_000
    assert result.cost_of_goods_sold_micros == 7_857_143  # 11 000 000 x 5/7, half-even
    rest = ship(node, 2, "shp-2")
    assert rest.cost_of_goods_sold_micros == 11_000_000 - 7_857_143  # no residue left behind
    assert node.service.reconcile().balanced


def test_movements_are_idempotent_on_their_id(node: Node) -> None:
    first = node.receive(quantity=10, movement_id="rcv-1")
    assert node.receive(quantity=10, movement_id="rcv-1") == first
    (position,) = node.service.stock_positions(["P-100"])
    assert position.quantity_on_hand == 10
    with pytest.raises(AlreadyExists, match="rcv-1"):
        node.receive(quantity=11, movement_id="rcv-1")


def test_receive_many_is_all_or_nothing(node: Node) -> None:
    good = ReceiptIn("m1", "PO-7", "P-100", 5, "C62", "A-01", "L1", 1, "EUR", "import")
    bad = ReceiptIn("m2", "PO-7", "P-100", 5, "C62", "NOWHERE", "L1", 1, "EUR", "import")
    with pytest.raises(NotFound, match="NOWHERE"):
        node.service.receive_many([good, bad])
    assert node.service.stock_positions(["P-100"])[0].quantity_on_hand == 0
    results = node.service.receive_many([good, good._replace() if False else good])
    assert results[0] == results[1]
    assert node.service.stock_positions(["P-100"])[0].quantity_on_hand == 5


def test_shipping_more_than_is_free_is_refused(pooled: Node) -> None:
    pooled.reserve(30)
    with pytest.raises(PreconditionFailed, match="only 70 is free to ship"):
        ship(pooled, 71)
    ship(pooled, 70)
    (position,) = pooled.service.stock_positions(["P-100"])
    assert position.quantity_on_hand == 30 and position.reserved_quantity == 30


def test_transfer_moves_stock_between_locations(node: Node) -> None:
    node.receive(quantity=10)
    out, into = node.service.transfer(TransferIn("t-1", "P-100", "L1", "A-01", "A-02", 4, "ops"))
    assert (out.location_id, out.quantity_delta, into.location_id, into.quantity_delta) == (
        "A-01",
        -4,
        "A-02",
        4,
    )
    (position,) = node.service.stock_positions(["P-100"])
    assert sorted((b.location_id, b.quantity_on_hand) for b in position.balances) == [
        ("A-01", 6),
        ("A-02", 4),
    ]
    with pytest.raises(PreconditionFailed, match="holds 6"):
        node.service.transfer(TransferIn("t-2", "P-100", "L1", "A-01", "A-02", 7, "ops"))
    with pytest.raises(InvalidInput, match="two different locations"):
        node.service.transfer(TransferIn("t-3", "P-100", "L1", "A-01", "A-01", 1, "ops"))


def test_count_books_the_difference(node: Node) -> None:
    node.receive(quantity=10, unit_cost_micros=3_000_000)
    (movement,) = node.service.count_stock(CountIn("c-1", "P-100", "L1", "A-01", 7, "ops"))
    assert movement.type is MovementType.COUNT_CORRECTION and movement.quantity_delta == -3
    assert node.service.count_stock(CountIn("c-2", "P-100", "L1", "A-01", 7, "ops")) == ()
    node.service.count_stock(CountIn("c-3", "P-100", "L1", "A-02", 2, "ops"))
    (position,) = node.service.stock_positions(["P-100"])
    assert position.quantity_on_hand == 9
    assert position.moving_average_cost_micros == 3_000_000
    assert node.service.reconcile().balanced
    with pytest.raises(NotFound, match="lot 'L9'"):
        node.service.count_stock(CountIn("c-4", "P-100", "L9", "A-01", 1, "ops"))


def test_lot_quality_changes_the_pool_share(pooled: Node) -> None:
    seq = pooled.service.last_sequence()
    pooled.service.set_lot_quality("P-100", "L1", QualityStatus.QUARANTINE, "qa")
    (position,) = pooled.service.stock_positions(["P-100"])
    assert position.blocked_quantity == 100 and position.pool_share.contributed_quantity == 0
    (event,) = pooled.service.pool_share_events_after(seq)
    assert event.pool_share.contributed_quantity == 0


def test_lot_expiry_follows_the_clock(node: Node) -> None:
    node.receive(quantity=100, expiry=date(2026, 1, 2))
    node.service.set_safety_stock("P-100", 100)
    assert node.service.pool_shares()[0][0].contributed_quantity == 30
    node.clock.advance(days=1)  # 2026-01-02: usable on its expiry date
    node.service.expire_due()
    assert node.service.pool_shares()[0][0].contributed_quantity == 30
    seq = node.service.last_sequence()
    node.clock.advance(days=1)
    node.service.expire_due()
    assert node.service.pool_shares()[0][0].contributed_quantity == 0
    assert [
        e.pool_share.contributed_quantity for e in node.service.pool_share_events_after(seq)
    ] == [0]
    (position,) = node.service.stock_positions(["P-100"])
    assert position.expired_quantity == 100 and position.available_quantity == 0


def test_shelf_life_gives_the_expiry_date(node: Node) -> None:
    node.service.upsert_part(PartIn("MILK", "Milk", "LTR", shelf_life_days=10))
    node.service.receive_purchase(
        ReceiptIn(
            "r-milk",
            "PO-2",
            "MILK",
            5,
            "LTR",
            "A-01",
            "M1",
            1,
            "EUR",
            "clerk",
            production_date=date(2026, 1, 1),
        )
    )
    (position,) = node.service.stock_positions(["MILK"])
    assert position.balances[0].expiry_date == date(2026, 1, 11)


BAD_RECEIPTS = [
    ({"quantity": 0}, InvalidInput, "positive"),
    ({"unit_of_measure": "KGM"}, InvalidInput, "'KGM'.*'C62'"),
    ({"part_number": "NOPE"}, NotFound, "NOPE"),
    ({"location_id": "X-99"}, NotFound, "X-99"),
    ({"lot_number": ""}, InvalidInput, "lot number is required"),
    ({"currency": "USD"}, InvalidInput, "book currency EUR"),
    ({"movement_id": ""}, InvalidInput, "movement id"),
]


def test_bad_receipts_change_nothing(node: Node) -> None:
    fields = dict(
        movement_id="r-1",
        purchase_order_number="PO-1",
        part_number="P-100",
        quantity=5,
        unit_of_measure="C62",
        location_id="A-01",
        lot_number="L1",
        unit_cost_micros=1,
        currency="EUR",
        actor="clerk",
    )
    seq = node.service.last_sequence()
    for receipt, error, words in BAD_RECEIPTS:
        with pytest.raises(error, match=words):
            node.service.receive_purchase(ReceiptIn(**{**fields, **receipt}))
    assert node.service.last_sequence() == seq
    assert node.service.reconcile().movements_checked == 0


def test_the_database_refuses_negative_balances_and_ledger_edits(node: Node) -> None:
    node.receive(quantity=1)
    engine = sa.create_engine(node.url)
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text("UPDATE stock_balance SET quantity = -1"))
    with engine.begin() as conn, pytest.raises(sa.exc.DatabaseError, match="append-only"):
        conn.execute(sa.text("DELETE FROM stock_movement"))
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text("UPDATE lot SET reserved = -1"))
    engine.dispose()
