"""Applies the Alembic revisions in pool/migrations to the coordinator's database."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, pool

from node.adapters.engine import is_sqlite


def alembic_config() -> Config:
    config = Config(str(resources.files("pool.migrations") / "alembic.ini"))
    config.set_main_option("script_location", "pool:migrations")
    return config


def upgrade_to_head(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            if is_sqlite(database_url):
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
