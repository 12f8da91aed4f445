"""Time-driven changes: pool shares whose lots expired since they were last published."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from node.adapters import repository as repo
from node.adapters.orm import Part, PartPool
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain.clock import utc_date
from node.service import pool as pool_share
from node.service.context import SWEEPER_ACTOR, NodeContext

REFRESH_BATCH = 500  # parts republished per transaction


def refresh_stale_pools(uow: SqlUnitOfWork, ctx: NodeContext) -> int:
    """Republish pool shares last computed before today (a lot may have expired overnight)."""
    today = utc_date(uow.now_ms)
    numbers = uow.session.scalars(
        select(Part.part_number)
        .join(PartPool, PartPool.part_id == Part.id)
        .where(or_(PartPool.as_of_date.is_(None), PartPool.as_of_date < today))
        .order_by(Part.part_number)
        .limit(REFRESH_BATCH)
    ).all()
    return _refresh(uow, ctx, numbers)


def refresh_all_pools(uow: SqlUnitOfWork, ctx: NodeContext) -> int:
    """Republish every pool share (after the node's pool fraction changed)."""
    return _refresh(uow, ctx, uow.session.scalars(select(Part.part_number)).all())


def _refresh(uow: SqlUnitOfWork, ctx: NodeContext, part_numbers: Sequence[str]) -> int:
    rows = repo.lock_parts(uow.session, part_numbers)
    lots = repo.lots_of(uow.session, [part.id for part, _, _ in rows.values()])
    for part, pool, _ in rows.values():
        pool_share.refresh(uow, ctx, part, pool, lots[part.id], actor=SWEEPER_ACTOR)
    return len(rows)
