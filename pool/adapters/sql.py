"""Small SQL helpers the coordinator's service layer shares across SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_if_absent(session: Session, model: type[Any], **values: Any) -> None:
    """INSERT a row unless one with the same key exists: ON CONFLICT DO NOTHING, so two
    transactions storing the same fact at once do not fail the second one."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())
