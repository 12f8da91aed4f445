"""Bulk UPDATE of the rows a transaction changed: one statement per table and column set.

The ORM flushes a changed row with one UPDATE each (an executemany: one execution per row on
the server). A reserve batch changes dozens of lots and pools, so on PostgreSQL their new
values travel instead as one array per column, joined by primary key (`UPDATE ... FROM
unnest(...)`), and the objects are marked clean so the ORM flush that follows skips them.
Other databases keep the ORM's own flush.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value

from audit.store import column_arrays, unnest_arrays


def flush_changed(session: Session, models: Collection[type]) -> None:
    """Write the pending changes of loaded `models` rows in bulk (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    groups: dict[tuple[type, tuple[str, ...]], list[Any]] = defaultdict(list)
    for obj in session.dirty:
        model = type(obj)
        if model not in models:
            continue
        state = inspect(obj)
        changed = tuple(sorted(_columns(model) - state.unmodified))
        if changed:
            groups[(model, changed)].append(obj)
    for (model, changed), objects in groups.items():
        table = model.__table__
        keys = _primary_key(model)
        rows = [{name: getattr(obj, name) for name in (*keys, *changed)} for obj in objects]
        update_rows(session, table, keys, rows)
        for obj in objects:
            for name in changed:
                set_committed_value(obj, name, getattr(obj, name))


def update_rows(
    session: Session, table: sa.Table, keys: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE rows matched by `keys`, setting the other columns they carry (PostgreSQL)."""
    if not rows:
        return
    conn = session.connection()
    columns = tuple(rows[0])
    result = conn.exec_driver_sql(
        _unnest_update(table, tuple(keys), columns, conn.dialect), column_arrays(rows, columns)
    )
    if result.rowcount != len(rows):
        raise RuntimeError(
            f"bulk update of {table.name} matched {result.rowcount} of {len(rows)} rows"
        )


@functools.lru_cache(maxsize=128)
def _unnest_update(
    table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...], dialect: sa.Dialect
) -> str:
    quote = dialect.identifier_preparer.quote
    arrays = unnest_arrays(table, columns, dialect)
    values = ", ".join(quote(name) for name in columns)
    sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in columns if name not in keys)
    match = " AND ".join(f"t.{quote(name)} = v.{quote(name)}" for name in keys)
    target = dialect.identifier_preparer.format_table(table)
    return f"UPDATE {target} AS t SET {sets} FROM unnest({arrays}) AS v({values}) WHERE {match}"


_COLUMNS: dict[type, frozenset[str]] = {}
_KEYS: dict[type, tuple[str, ...]] = {}


def _columns(model: type) -> frozenset[str]:
    if model not in _COLUMNS:
        mapper: Mapper[Any] = inspect(model)
        _COLUMNS[model] = frozenset(attr.key for attr in mapper.column_attrs)
    return _COLUMNS[model]


def _primary_key(model: type) -> tuple[str, ...]:
    if model not in _KEYS:
        mapper: Mapper[Any] = inspect(model)
        _KEYS[model] = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    return _KEYS[model]
