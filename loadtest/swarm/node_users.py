"""Users on the nodes themselves: alliance callers holding, confirming and releasing stock on
NodeService (over mTLS), and each supplier's own clerks booking receipts and shipments on
its loopback InventoryService, all while the automakers' plans draw from the same pool."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from itertools import count
from typing import ClassVar

import gevent
import grpc
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc, node_pb2_grpc
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types
from google.protobuf.timestamp_pb2 import Timestamp
from locust import task

from loadtest.swarm.grpc_user import GrpcUser
from loadtest.swarm_config import NodeTarget, SwarmConfig

RPC_TIMEOUT_S = 10.0
HOLD_TTL_S = 60
ABANDONED_TTL_S = 5  # left to expire: the sweeper's work is part of the load
FATES = ("confirm", "release", "abandon")
FATE_WEIGHTS = (50, 35, 15)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class ReserverUser(GrpcUser):
    """An alliance caller on one node: Reserve, then Confirm, Release or walk away."""

    abstract = True
    config: ClassVar[SwarmConfig]
    credentials: ClassVar[grpc.ChannelCredentials]
    _numbers: ClassVar[count[int]] = count()

    def on_start(self) -> None:
        self.index = next(ReserverUser._numbers)
        self.rng = random.Random(f"{self.config.seed}/reserver/{self.index}")
        self.node: NodeTarget = self.config.nodes[self.index % len(self.config.nodes)]
        channel = self.open_channel(
            self.node.alliance_target, self.node.member_id, self.credentials
        )
        self.stub = node_pb2_grpc.NodeServiceStub(channel)

    @task
    def hold_then_decide(self) -> None:
        rng = self.rng
        fate = rng.choices(FATES, FATE_WEIGHTS)[0]
        rid = _uuid(rng)
        try:
            self.stub.Reserve(self._reserve_request(rid, fate), timeout=RPC_TIMEOUT_S)
        except grpc.RpcError:
            return  # recorded by the interceptor; a refusal holds nothing
        if fate == "abandon":
            return
        gevent.sleep(rng.uniform(0.05, 0.3))  # the caller deciding
        try:
            if fate == "confirm":
                self.stub.Confirm(pb.ConfirmRequest(reservation_id=rid), timeout=RPC_TIMEOUT_S)
            else:
                self.stub.Release(
                    pb.ReleaseRequest(reservation_id=rid, reason="load test: plan changed"),
                    timeout=RPC_TIMEOUT_S,
                )
        except grpc.RpcError:
            pass  # recorded; an unanswered hold expires on its own

    def _reserve_request(self, rid: str, fate: str) -> pb.ReserveRequest:
        part = self.rng.choice(self.node.parts).part_number
        due_at = Timestamp()
        due_at.FromMilliseconds(int((time.time() + 72 * 3600) * 1000))
        return pb.ReserveRequest(
            reservation_id=rid,
            plan_id=f"loadtest-{self.index}",
            demand_id=f"loadtest-{self.index}",
            ttl_seconds=ABANDONED_TTL_S if fate == "abandon" else HOLD_TTL_S,
            lines=[
                pb.ReserveLine(
                    line_id="1",
                    part_number=part,
                    quantity=self.rng.randint(1, 3),
                    unit_of_measure="C62",
                    source=types.SUPPLY_SOURCE_STOCK,
                    due_at=due_at,
                    destination=self.rng.choice(self.config.plants),
                )
            ],
        )


class ClerkUser(GrpcUser):
    """A supplier's warehouse clerk: goods receipts (which keep the pool supplied), the
    supplier's own sales shipments, and stock look-ups, on the node's admin port."""

    abstract = True
    config: ClassVar[SwarmConfig]
    _numbers: ClassVar[count[int]] = count()

    def on_start(self) -> None:
        self.index = next(ClerkUser._numbers)
        self.rng = random.Random(f"{self.config.seed}/clerk/{self.index}")
        self.node: NodeTarget = self.config.nodes[self.index % len(self.config.nodes)]
        channel = self.open_channel(self.node.admin_target, self.node.member_id, None)
        self.stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        self.bookings = 0

    @task(3)
    def receive(self) -> None:
        part = self.rng.choice(self.node.parts)
        self.bookings += 1
        request = inv.ReceivePurchaseRequest(
            movement_id=_uuid(self.rng),
            purchase_order_number=f"LT-PO-{self.index}-{self.bookings}",
            part_number=part.part_number,
            quantity=max(1, part.safety_stock // 4),
            unit_of_measure="C62",
            location_id=self.node.location_id,
            lot_number=f"LT-{self.index}-{self.bookings}",
            production_date=dt.date.today().isoformat(),
            unit_cost_micros=part.unit_cost_micros,
            currency="EUR",
            actor="loadtest-clerk",
            quality_status=types.QUALITY_STATUS_RELEASED,
        )
        self._call(self.stub.ReceivePurchase, request)

    @task(2)
    def ship(self) -> None:
        part = self.rng.choice(self.node.parts)
        self.bookings += 1
        request = inv.ShipSalesRequest(
            movement_id=_uuid(self.rng),
            sales_order_number=f"LT-SO-{self.index}-{self.bookings}",
            customer_id="LT-WALK-IN",
            part_number=part.part_number,
            quantity=self.rng.randint(1, 3),
            unit_of_measure="C62",
            unit_price_micros=part.unit_cost_micros * 13 // 10,
            currency="EUR",
            actor="loadtest-clerk",
        )
        self._call(self.stub.ShipSales, request)

    @task(1)
    def look_up(self) -> None:
        part = self.rng.choice(self.node.parts).part_number
        self._call(self.stub.GetStock, inv.GetStockRequest(part_numbers=[part]))

    @staticmethod
    def _call(method: Callable[..., object], request: object) -> None:
        with contextlib.suppress(grpc.RpcError):  # recorded by the interceptor
            method(request, timeout=RPC_TIMEOUT_S)
