"""The coordinator's migrations build exactly the tables its models describe, both ways."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from pool.adapters.migrate import alembic_config, upgrade_to_head
from tests.conftest import schema_differences


def test_schema_matches_the_models(database_url: str) -> None:
    from audit.schema import metadata as audit_metadata
    from pool.adapters.orm import Base

    upgrade_to_head(database_url)  # the coordinator's models and its audit log's tables
    assert schema_differences(database_url, [Base.metadata, audit_metadata]) == []


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert {"pool_demand", "pool_contribution"} <= set(sa.inspect(connection).get_table_names())
    engine.dispose()
