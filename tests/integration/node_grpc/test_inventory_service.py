"""InventoryService (the supplier's admin API) over real gRPC: every RPC's happy path."""

from __future__ import annotations

import uuid

from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import types_pb2 as types

from .conftest import LOCATION, Node


def position(node: Node, part: str) -> inv.PartPosition:
    (only,) = node.admin.GetStock(inv.GetStockRequest(part_numbers=[part])).parts
    return only


def test_receipts_update_stock_cost_and_pool_share_and_the_ledger_reconciles(node: Node) -> None:
    assert (
        node.admin.UpsertPart(
            inv.UpsertPartRequest(
                part_number="BRK-PAD-1",
                description="Front brake pad set",
                unit_of_measure="C62",
                lot_tracked=True,
                shelf_life_days=1825,
                aliases=["HB-1"],
                list_price_micros=21_900_000,
                currency="EUR",
            )
        ).part_number
        == "BRK-PAD-1"
    )
    for location in (LOCATION, "NGB-FG-A-02"):
        reply = node.admin.UpsertLocation(
            inv.UpsertLocationRequest(site_id="CN-NGB", warehouse_id="NGB-FG", location_id=location)
        )
        assert reply.location_id == location

    first = node.receive("BRK-PAD-1", 100, lot="P1")
    assert first.payable_micros == 100 * 10_000_000
    assert first.moving_average_cost_micros == 10_000_000
    (movement,) = first.movements
    assert movement.type == inv.MOVEMENT_TYPE_PURCHASE_RECEIPT
    assert (movement.quantity_delta, movement.lot_number, movement.location_id) == (
        100,
        "P1",
        LOCATION,
    )
    assert movement.booked_at.ToMilliseconds() == node.clock.now_ms()

    second = node.admin.ReceivePurchase(
        inv.ReceivePurchaseRequest(
            movement_id=str(uuid.uuid4()),
            purchase_order_number="PO-2",
            part_number="BRK-PAD-1",
            quantity=100,
            unit_of_measure="C62",
            location_id="NGB-FG-A-02",
            lot_number="P2",
            production_date="2025-12-01",
            unit_cost_micros=12_000_000,
            currency="EUR",
            actor="test",
            quality_status=types.QUALITY_STATUS_QUARANTINE,
        )
    )
    assert second.moving_average_cost_micros == 11_000_000

    pos = position(node, "BRK-PAD-1")
    assert (pos.quantity_on_hand, pos.blocked_quantity, pos.available_quantity) == (200, 100, 100)
    assert pos.moving_average_cost_micros == 11_000_000
    lots = {(b.lot_number, b.location_id): b for b in pos.balances}
    assert lots[("P2", "NGB-FG-A-02")].quality_status == types.QUALITY_STATUS_QUARANTINE
    assert lots[("P2", "NGB-FG-A-02")].expiry_date == "2030-11-30"  # production + shelf life

    released = node.admin.SetLotQuality(
        inv.SetLotQualityRequest(
            part_number="BRK-PAD-1",
            lot_number="P2",
            quality_status=types.QUALITY_STATUS_RELEASED,
            actor="qa",
        )
    )
    assert released == inv.SetLotQualityResponse()
    assert position(node, "BRK-PAD-1").available_quantity == 200

    reconcile = node.admin.Reconcile(inv.ReconcileRequest())
    assert reconcile.balanced and not reconcile.mismatches
    assert reconcile.movements_checked == 2


def test_shipments_transfers_and_counts_move_stock_through_the_ledger(node: Node) -> None:
    node.add_part("WHB-620", on_hand=50, safety_stock=100)
    node.admin.UpsertLocation(
        inv.UpsertLocationRequest(site_id="DE-WOB", warehouse_id="WOB", location_id="WOB-01")
    )

    shipped = node.admin.ShipSales(
        inv.ShipSalesRequest(
            movement_id=str(uuid.uuid4()),
            sales_order_number="SO-1",
            customer_id="DEALER-7",
            part_number="WHB-620",
            quantity=10,
            unit_of_measure="C62",
            unit_price_micros=15_000_000,
            currency="EUR",
            actor="sales",
        )
    )
    assert shipped.receivable_micros == 150_000_000
    assert shipped.cost_of_goods_sold_micros == 100_000_000
    assert [m.type for m in shipped.movements] == [inv.MOVEMENT_TYPE_SALES_ISSUE]
    assert sum(m.quantity_delta for m in shipped.movements) == -10

    moved = node.admin.Transfer(
        inv.TransferRequest(
            movement_id=str(uuid.uuid4()),
            part_number="WHB-620",
            lot_number="L1",
            from_location_id=LOCATION,
            to_location_id="WOB-01",
            quantity=15,
            actor="wh",
        )
    ).movements
    assert {(m.location_id, m.quantity_delta) for m in moved} == {(LOCATION, -15), ("WOB-01", 15)}
    assert all(m.type == inv.MOVEMENT_TYPE_TRANSFER for m in moved)

    counted = node.admin.CountStock(
        inv.CountStockRequest(
            movement_id=str(uuid.uuid4()),
            part_number="WHB-620",
            lot_number="L1",
            location_id="WOB-01",
            counted_quantity=13,
            actor="counter",
        )
    ).movements
    assert [(m.type, m.quantity_delta) for m in counted] == [
        (inv.MOVEMENT_TYPE_COUNT_CORRECTION, -2)
    ]

    pos = position(node, "WHB-620")
    assert pos.quantity_on_hand == 38
    assert {b.location_id: b.quantity_on_hand for b in pos.balances} == {LOCATION: 25, "WOB-01": 13}
    assert node.admin.Reconcile(inv.ReconcileRequest()).balanced


def test_planning_parameters_shape_the_pool_share_and_the_quote(node: Node) -> None:
    node.add_part("ADH-310", on_hand=400)

    configured = node.admin.SetSafetyStock(
        inv.SetSafetyStockRequest(part_number="ADH-310", quantity=300)
    )
    assert configured.pool_share.safety_stock_quantity == 300
    assert configured.pool_share.contributed_quantity == 90

    # Demand history: a sale a day for two weeks, then the safety stock from the formula.
    for day in range(14):
        node.clock.advance(days=1)
        node.admin.ShipSales(
            inv.ShipSalesRequest(
                movement_id=str(uuid.uuid4()),
                sales_order_number=f"SO-{day}",
                customer_id="C1",
                part_number="ADH-310",
                quantity=5 + day % 4 * 3,
                unit_of_measure="C62",
                unit_price_micros=15_000_000,
                currency="EUR",
                actor="sales",
            )
        )
    computed = node.admin.SetSafetyStock(
        inv.SetSafetyStockRequest(
            part_number="ADH-310",
            formula=inv.SafetyStockFormula(service_level="0.95", history_days=30),
        )
    )
    assert computed.pool_share.safety_stock_quantity > 0
    assert "0.95" in computed.explanation

    opted = node.admin.SetPoolPolicy(
        inv.SetPoolPolicyRequest(part_number="ADH-310", opted_out=True)
    )
    assert opted.pool_share.opted_out and opted.pool_share.contributed_quantity == 0
    opted = node.admin.SetPoolPolicy(
        inv.SetPoolPolicyRequest(part_number="ADH-310", opted_out=False)
    )
    assert not opted.pool_share.opted_out and opted.pool_share.contributed_quantity > 0

    node.admin.SetCapacity(
        inv.SetCapacityRequest(
            part_number="ADH-310",
            capacity_per_day=250,
            lead_time_days=3,
            unit_price_micros=10_500_000,
            currency="EUR",
        )
    )
    node.admin.SetShippingLane(
        inv.SetShippingLaneRequest(
            destination="CNSHA",
            shipping_cost_per_unit_micros=120_000,
            shipment_fixed_cost_micros=180_000_000,
            transit_time_hours=6,
            currency="EUR",
        )
    )
    from alliance.v1 import node_pb2 as pb

    (line,) = node.node.Quote(
        pb.QuoteRequest(
            demand_id="D-1",
            lines=[
                types.DemandLine(
                    line_id="1",
                    part_number="ADH-310",
                    quantity=10,
                    unit_of_measure="C62",
                    due_at=node.due_in(24 * 7),
                    destination="CNSHA",
                )
            ],
        )
    ).lines
    assert (line.capacity_per_day, line.lead_time_days) == (250, 3)
    assert (line.shipping_cost_per_unit_micros, line.shipment_fixed_cost_micros) == (
        120_000,
        180_000_000,
    )
    assert line.transit_time_hours == 6
