"""Bulk writes of a transaction's changed rows and array lookups (adapters/bulk.py, repository)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from node.adapters import repository as repo
from node.adapters.bulk import flush_changed, update_rows
from node.adapters.engine import node_engine
from node.adapters.orm import Lot, PartPool, Reservation, table_of
from node.adapters.unit_of_work import BULK_FLUSHED
from tests.integration.node_service.conftest import Node, _emptied, make_node


def _session(node: Node) -> Session:
    return Session(node_engine(node.url, pool_size=1), autoflush=False)


def test_changed_rows_are_written_in_bulk_and_marked_clean(node: Node) -> None:
    node.receive("P-100", 40, "L1")
    node.receive("P-100", 60, "L2")
    node.service.set_safety_stock("P-100", 100)
    session = _session(node)
    with session.begin():
        lots = session.scalars(sa.select(Lot).order_by(Lot.lot_number)).all()
        pool = session.scalars(sa.select(PartPool)).one()
        lots[0].reserved = 7
        lots[1].reserved = 3
        pool.reserved_quantity = 10
        pool.next_hold_expiry_at_ms = None
        flush_changed(session, BULK_FLUSHED)
        if session.get_bind().dialect.name == "postgresql":  # nothing left for the ORM flush
            assert not any(session.is_modified(obj) for obj in [*lots, pool])
        session.flush()
    with _session(node) as check:
        assert check.scalars(sa.select(Lot.reserved).order_by(Lot.lot_number)).all() == [7, 3]
        assert check.scalar(sa.select(PartPool.reserved_quantity)) == 10
        assert check.scalar(sa.select(Lot.on_hand).where(Lot.lot_number == "L2")) == 60


@pytest.mark.postgres
def test_a_bulk_update_that_misses_a_row_fails(_postgres_node_database: str) -> None:
    node = make_node(_emptied(_postgres_node_database))
    try:
        node.receive("P-100", 40, "L1")
        session = _session(node)
        with session.begin(), pytest.raises(RuntimeError, match="matched 1 of 2 rows"):
            lot_id = session.scalar(sa.select(Lot.id))
            update_rows(
                session,
                table_of(Lot),
                ("id",),
                [{"id": lot_id, "reserved": 1}, {"id": 987654, "reserved": 1}],
            )
    finally:
        node.service.close()  # type: ignore[attr-defined]


def test_lookups_by_many_keys_find_exactly_those_rows(node: Node) -> None:
    node.receive("P-100", 40, "L1")
    node.service.set_safety_stock("P-100", 100)
    made = [node.reserve(1).reservation_id for _ in range(3)]
    with _session(node) as session:
        found = repo.reservations(session, [made[0], made[2], "not-a-reservation"])
        assert sorted(r.reservation_id for r in found) == sorted([made[0], made[2]])
        assert repo.reservations(session, ["nothing-here"]) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 3
