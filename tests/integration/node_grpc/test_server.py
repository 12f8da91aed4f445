"""The server around the servicers: health, reflection, listeners, internal errors."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import node_pb2 as pb
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from node.grpc.server import build_server

from .conftest import Node


def listed_services(channel: grpc.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (reply,) = list(stub.ServerReflectionInfo(iter([request])))
    return {s.name for s in reply.list_services_response.service}


def test_health_reports_serving_for_the_server_and_each_service(shared_node: Node) -> None:
    alliance = health_pb2_grpc.HealthStub(shared_node.channel)
    admin = health_pb2_grpc.HealthStub(shared_node.admin_channel)
    serving = health_pb2.HealthCheckResponse.SERVING
    for stub, service in (
        (alliance, ""),
        (alliance, "alliance.v1.NodeService"),
        (admin, ""),
        (admin, "alliance.v1.InventoryService"),
    ):
        assert stub.Check(health_pb2.HealthCheckRequest(service=service)).status == serving


def test_reflection_lists_each_listeners_service(shared_node: Node) -> None:
    alliance = listed_services(shared_node.channel)
    admin = listed_services(shared_node.admin_channel)
    assert "alliance.v1.NodeService" in alliance and "grpc.health.v1.Health" in alliance
    assert "alliance.v1.InventoryService" in admin
    # The supplier's books are never offered on the alliance port.
    assert "alliance.v1.InventoryService" not in alliance


def test_the_admin_api_is_not_served_on_the_alliance_port(shared_node: Node) -> None:
    from alliance.v1 import inventory_pb2_grpc

    stub = inventory_pb2_grpc.InventoryServiceStub(shared_node.channel)
    with pytest.raises(grpc.RpcError) as err:
        stub.GetStock(inv.GetStockRequest())
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_a_taken_port_is_refused_rather_than_shared(shared_node: Node) -> None:
    with pytest.raises((RuntimeError, OSError)):
        build_server(
            shared_node.service,
            alliance_address=shared_node.server.alliance_address,
            admin_address="127.0.0.1:0",
        )


def test_an_unexpected_failure_is_internal_without_leaking_details(
    node: Node,
) -> None:
    table = "part_pool"  # a broken database: the pool shares' table is gone
    engine = sa.create_engine(node.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"'))
    engine.dispose()
    with pytest.raises(grpc.RpcError) as err:
        node.node.GetPoolShares(pb.GetPoolSharesRequest())
    assert err.value.code() == grpc.StatusCode.INTERNAL
    details = err.value.details() or ""
    assert "reference" in details
    assert table not in details and "sql" not in details.lower()
