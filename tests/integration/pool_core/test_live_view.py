"""The live pool view when a node goes silent and comes back: stale, left out, caught up."""

from __future__ import annotations

import sqlalchemy as sa

from dictionary.loader import load as load_dictionary
from node.service.factory import open_node
from pool.adapters import orm
from pool.service.api import DemandIn, DemandLineIn, DemandStatus
from pool.service.factory import open_coordinator
from tests.integration.pool_core.conftest import (
    HOUR_MS,
    OPERATOR,
    Alliance,
    register,
    tenant,
    wait_for_pool,
    wait_until,
)


def _contributed(pool, member_id: str) -> int | None:  # type: ignore[no-untyped-def]
    for part in pool.pool_view(OPERATOR, ["P-100"]):
        for cell in part.suppliers:
            if cell.member_id == member_id:
                return cell.contributed_quantity
    return None


def _stale(pool, member_id: str) -> bool:  # type: ignore[no-untyped-def]
    return next(m.stale for m in pool.members(OPERATOR) if m.member_id == member_id)


def test_a_silent_node_turns_stale_is_left_out_and_catches_up_when_back(
    alliance: Alliance, settings
) -> None:
    s1, s2 = alliance.add_node("S01"), alliance.add_node("S02")
    for node in (s1, s2):
        node.add_part("P-100", on_hand=1000, safety_stock=200)  # 60 pooled each
    pool = open_coordinator(
        settings.model_copy(update={"staleness_s": 1.5, "heartbeat_interval_s": 0.3})
    )
    try:
        for node in (s1, s2):
            register(pool, node)
        pool.start()
        wait_for_pool(pool, "P-100", 120)
        assert not _stale(pool, "S02")

        alliance.stop(s2)  # the node goes away: no watch, no heartbeat answer
        wait_until(lambda: _stale(pool, "S02"), timeout_s=10, what="S02 to turn stale")
        oem = tenant(pool)
        due = pool.ctx.now_ms() + 72 * HOUR_MS
        view, _ = pool.submit_demand(
            oem, DemandIn(lines=(DemandLineIn("L1", "P-100", 100, "C62", due, "DEHAM"),)), "k"
        )
        done = pool.wait_for_demand(oem, view.demand_id, [DemandStatus.CONFIRMED], 30)
        assert done.plan is not None
        assert ("S02", "stale") in done.plan.nodes_left_out
        assert {a.member_id for a in done.plan.allocations} == {"S01"}

        # While it is down its supplier raises the safety stock: 90 pooled from now on.
        books = open_node(
            s2.database_url,
            dictionary_version=load_dictionary().version,
            audit_key_path=s2.key_path,
        )
        try:
            books.set_safety_stock("P-100", 300)
        finally:
            books.close()  # type: ignore[attr-defined]
        alliance.start(s2)  # back on the same port: the watcher reconnects by itself
        wait_until(
            lambda: _contributed(pool, "S02") == 90 and not _stale(pool, "S02"),
            timeout_s=15,
            what="the view to catch up with S02",
        )

        # Fairness over time: since S02 raised its share it kept 90 of the 150 pooled, and
        # nothing was drawn; over the whole history S01 alone served the stale-time demand.
        with pool.ctx.sessions() as s:
            raised_at = s.scalar(
                sa.select(orm.Contribution.at_ms).where(
                    orm.Contribution.member_id == "S02",
                    orm.Contribution.contributed_quantity == 90,
                )
            )
        assert raised_at is not None
        since = {
            r.member_id: r
            for r in pool.fairness(OPERATOR, since_ms=raised_at, until_ms=raised_at + 10_000)
        }
        assert since["S02"].average_contributed_quantity == 90
        assert since["S01"].average_contributed_quantity == 60
        assert since["S02"].contribution_share_ppm == 600_000
        assert since["S01"].drawn_quantity == since["S02"].drawn_quantity == 0
        whole = {r.member_id: r for r in pool.fairness(OPERATOR)}
        drawn_from_s01 = sum(a.quantity for a in done.plan.allocations)
        assert (
            whole["S01"].drawn_quantity == drawn_from_s01
            and whole["S01"].draw_share_ppm == 1_000_000
        )
        assert whole["S02"].drawn_quantity == 0
    finally:
        pool.close()
