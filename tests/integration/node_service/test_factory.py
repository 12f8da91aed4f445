"""Creating, re-initialising, opening and migrating a node database."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command

from node.adapters.migrate import alembic_config
from node.service.api import InvalidInput, PreconditionFailed
from node.service.factory import init_node, open_node, upgrade_schema
from tests.conftest import schema_differences

from .conftest import Node


def test_node_info_and_idempotent_init(node_database_url: str) -> None:
    init_node(
        node_database_url,
        member_id="m-1",
        member_name="One",
        audit_public_key=b"k" * 32,
        audit_log_origin="node.m-1.example/audit",
    )
    init_node(node_database_url, member_id="m-1", member_name="One")  # same identity: fine
    service = open_node(node_database_url, dictionary_version="2.1.0")
    info = service.node_info()
    assert (info.member_id, info.member_name, info.dictionary_version) == ("m-1", "One", "2.1.0")
    assert "quote.production" in info.capabilities
    with pytest.raises(PreconditionFailed, match="belongs to member m-1"):
        init_node(node_database_url, member_id="m-2", member_name="Two")
    with pytest.raises(InvalidInput, match="pool fraction"):
        init_node(
            node_database_url, member_id="m-1", member_name="One", pool_fraction=Decimal("1.5")
        )
    service.close()  # type: ignore[attr-defined]


def test_changing_the_pool_fraction_republishes_every_share(pooled: Node) -> None:
    seq = pooled.service.last_sequence()
    init_node(
        pooled.url, member_id="supplier-a", member_name="Supplier A", pool_fraction=Decimal("0.5")
    )
    (event,) = pooled.service.pool_share_events_after(seq)
    assert (event.pool_share.pool_fraction, event.pool_share.contributed_quantity) == (
        Decimal("0.5"),
        50,
    )
    # A node process opened before the change uses the new fraction from then on.
    pooled.reserve(10)
    (share,), _ = pooled.service.pool_shares()
    assert (share.pool_fraction, share.contributed_quantity, share.free_quantity) == (
        Decimal("0.5"),
        50,
        40,
    )


def test_opening_an_uninitialised_database_says_what_to_do(sqlite_url: str) -> None:
    with pytest.raises(PreconditionFailed, match="alliance node init"):
        open_node(sqlite_url)
    upgrade_schema(sqlite_url)
    with pytest.raises(PreconditionFailed, match="alliance node init"):
        open_node(sqlite_url)


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    upgrade_schema(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert {"reservation", "outbox_event", "stock_movement"} <= set(
            sa.inspect(connection).get_table_names()
        )
    engine.dispose()


def test_schema_matches_the_models(database_url: str) -> None:
    from audit.schema import metadata as audit_metadata
    from node.adapters.orm import Base

    upgrade_schema(database_url)  # the node's models and the audit log's tables
    assert schema_differences(database_url, [Base.metadata, audit_metadata]) == []
