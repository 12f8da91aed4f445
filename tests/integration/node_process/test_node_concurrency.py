"""Many concurrent gRPC clients reserving the same part never get more than the pool share."""

from __future__ import annotations

import random
import threading
import uuid

import grpc
import pytest
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import node_pb2 as pb
from alliance.v1 import node_pb2_grpc
from alliance.v1 import types_pb2 as types

from .conftest import NodeClient, timestamp_in

CLIENTS = 60


@pytest.fixture
def database_url(postgres_url: str) -> str:  # PostgreSQL only: the production store
    return postgres_url


@pytest.mark.postgres
def test_concurrent_reservations_never_exceed_the_pool_share(node_client: NodeClient) -> None:
    node_client.add_part("BRK-CC", on_hand=500, safety_stock=250)  # pool share 75
    granted: list[int] = []
    refusals: list[grpc.StatusCode] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        channel = grpc.insecure_channel(node_client.process.alliance_target)
        stub = node_pb2_grpc.NodeServiceStub(channel)
        start.wait()
        for _ in range(3):
            quantity = rng.randint(1, 4)
            request = pb.ReserveRequest(
                reservation_id=str(uuid.uuid4()),
                plan_id=f"p{seed}",
                demand_id="D",
                ttl_seconds=600,
                lines=[
                    pb.ReserveLine(
                        line_id="1",
                        part_number="BRK-CC",
                        quantity=quantity,
                        unit_of_measure="C62",
                        source=types.SUPPLY_SOURCE_STOCK,
                        due_at=timestamp_in(24),
                        destination="DEWOB",
                    )
                ],
            )
            try:
                stub.Reserve(request, timeout=30)
                with lock:
                    granted.append(quantity)
            except grpc.RpcError as err:
                with lock:
                    refusals.append(err.code())
        channel.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    (share,) = node_client.node.GetPoolShares(
        pb.GetPoolSharesRequest(part_numbers=["BRK-CC"])
    ).pool_shares
    assert sum(granted) <= 75
    assert share.reserved_quantity == sum(granted)
    assert share.free_quantity == 75 - sum(granted)
    assert sum(granted) > 60, "with 180 requests for up to 4 units the share should nearly fill"
    assert set(refusals) <= {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}
    reconcile = node_client.admin.Reconcile(inv.ReconcileRequest())
    assert reconcile.balanced, reconcile.mismatches
