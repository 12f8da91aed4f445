"""`alliance.v1.InventoryService`: the supplier's own books, served on the local admin port."""

from __future__ import annotations

import grpc
from alliance.v1 import inventory_pb2, inventory_pb2_grpc

from node.grpc import convert, errors
from node.grpc.node_servicer import check_part_numbers
from node.grpc.watch import PoolShareFeed
from node.service import api


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self, service: api.NodeService, feed: PoolShareFeed) -> None:
        self._service = service
        self._feed = feed

    @errors.unary
    def UpsertPart(
        self, request: inventory_pb2.UpsertPartRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.UpsertPartResponse:
        self._service.upsert_part(convert.part(request))
        self._feed.notify_committed()
        return inventory_pb2.UpsertPartResponse(part_number=request.part_number)

    @errors.unary
    def UpsertLocation(
        self, request: inventory_pb2.UpsertLocationRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.UpsertLocationResponse:
        self._service.upsert_location(convert.location(request))
        return inventory_pb2.UpsertLocationResponse(location_id=request.location_id)

    @errors.unary
    def ReceivePurchase(
        self, request: inventory_pb2.ReceivePurchaseRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.ReceivePurchaseResponse:
        result = self._service.receive_purchase(convert.receipt(request))
        self._feed.notify_committed()
        return inventory_pb2.ReceivePurchaseResponse(
            movements=convert.movements(result.movements),
            payable_micros=result.payable_micros,
            moving_average_cost_micros=result.moving_average_cost_micros,
        )

    @errors.unary
    def ShipSales(
        self, request: inventory_pb2.ShipSalesRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.ShipSalesResponse:
        result = self._service.ship_sales(convert.shipment(request))
        self._feed.notify_committed()
        return inventory_pb2.ShipSalesResponse(
            movements=convert.movements(result.movements),
            receivable_micros=result.receivable_micros,
            cost_of_goods_sold_micros=result.cost_of_goods_sold_micros,
        )

    @errors.unary
    def Transfer(
        self, request: inventory_pb2.TransferRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.TransferResponse:
        moved = self._service.transfer(convert.transfer(request))
        self._feed.notify_committed()
        return inventory_pb2.TransferResponse(movements=convert.movements(moved))

    @errors.unary
    def CountStock(
        self, request: inventory_pb2.CountStockRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.CountStockResponse:
        moved = self._service.count_stock(convert.count(request))
        self._feed.notify_committed()
        return inventory_pb2.CountStockResponse(movements=convert.movements(moved))

    @errors.unary
    def SetLotQuality(
        self, request: inventory_pb2.SetLotQualityRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.SetLotQualityResponse:
        status = convert.quality_status(request.quality_status, "")
        self._service.set_lot_quality(
            request.part_number, request.lot_number, status, request.actor
        )
        self._feed.notify_committed()
        return inventory_pb2.SetLotQualityResponse()

    @errors.unary
    def SetSafetyStock(
        self, request: inventory_pb2.SetSafetyStockRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.SetSafetyStockResponse:
        basis = request.WhichOneof("basis")
        if basis == "quantity":
            result = self._service.set_safety_stock(request.part_number, request.quantity)
        elif basis == "formula":
            formula = request.formula
            service_level = convert.parse_decimal(formula.service_level, "formula.service_level")
            result = self._service.compute_safety_stock(
                request.part_number, service_level, formula.history_days
            )
        else:
            raise api.InvalidInput("basis is required: set quantity or formula")
        self._feed.notify_committed()
        return inventory_pb2.SetSafetyStockResponse(
            pool_share=convert.pool_share(result.pool_share), explanation=result.explanation
        )

    @errors.unary
    def SetCapacity(
        self, request: inventory_pb2.SetCapacityRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.SetCapacityResponse:
        self._service.set_capacity(
            request.part_number,
            request.capacity_per_day,
            request.lead_time_days,
            request.unit_price_micros,
            request.currency,
        )
        return inventory_pb2.SetCapacityResponse()

    @errors.unary
    def SetPoolPolicy(
        self, request: inventory_pb2.SetPoolPolicyRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.SetPoolPolicyResponse:
        view = self._service.set_pool_policy(request.part_number, request.opted_out)
        self._feed.notify_committed()
        return inventory_pb2.SetPoolPolicyResponse(pool_share=convert.pool_share(view))

    @errors.unary
    def SetShippingLane(
        self, request: inventory_pb2.SetShippingLaneRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.SetShippingLaneResponse:
        self._service.set_shipping_lane(
            request.destination,
            request.shipping_cost_per_unit_micros,
            request.shipment_fixed_cost_micros,
            request.transit_time_hours,
            request.currency,
        )
        return inventory_pb2.SetShippingLaneResponse()

    @errors.unary
    def GetStock(
        self, request: inventory_pb2.GetStockRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.GetStockResponse:
        positions = self._service.stock_positions(check_part_numbers(request.part_numbers))
        return inventory_pb2.GetStockResponse(parts=[convert.part_position(p) for p in positions])

    @errors.unary
    def Reconcile(
        self, request: inventory_pb2.ReconcileRequest, context: grpc.ServicerContext
    ) -> inventory_pb2.ReconcileResponse:
        result = self._service.reconcile()
        return inventory_pb2.ReconcileResponse(
            balanced=result.balanced,
            mismatches=list(result.mismatches),
            movements_checked=result.movements_checked,
        )
