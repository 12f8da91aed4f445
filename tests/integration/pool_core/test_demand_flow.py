"""Demand → plan → reservations confirmed on real nodes over mTLS; ledgers and settlement agree."""

from __future__ import annotations

from pool.service.api import AllocationState, DemandIn, DemandLineIn, DemandStatus
from tests.integration.pool_core.conftest import (
    HOUR_MS,
    OPERATOR,
    Alliance,
    register,
    tenant,
    wait_for_pool,
)


def _demand(now_ms: int, quantity: int, part: str = "P-100", reference: str = "PO-9") -> DemandIn:
    return DemandIn(
        lines=(DemandLineIn("L1", part, quantity, "C62", now_ms + 72 * HOUR_MS, "DEHAM"),),
        reference=reference,
    )


def test_a_demand_is_planned_reserved_and_confirmed_across_nodes(
    alliance: Alliance, open_pool
) -> None:
    s1, s2 = alliance.add_node("S01"), alliance.add_node("S02")
    s1.add_part("P-100", on_hand=1000, safety_stock=200, price=20_000_000)  # 60 pooled
    s2.add_part("P-100", on_hand=1000, safety_stock=200, price=25_000_000)  # 60 pooled
    pool = open_pool()
    register(pool, s1)
    register(pool, s2)
    pool.start()
    wait_for_pool(pool, "P-100", 120)
    oem = tenant(pool)

    view, replayed = pool.submit_demand(oem, _demand(pool.ctx.now_ms(), 100), "key-1")
    assert not replayed and view.status is DemandStatus.RECEIVED
    done = pool.wait_for_demand(
        oem, view.demand_id, [DemandStatus.CONFIRMED, DemandStatus.FAILED], 30
    )

    assert done.status is DemandStatus.CONFIRMED, done.failure
    plan = done.plan
    assert plan is not None and plan.revision == 1
    by_member = {a.member_id: a.quantity for a in plan.allocations}
    assert by_member == {"S01": 60, "S02": 40}  # the cheaper member's pool first
    assert all(a.state is AllocationState.CONFIRMED for a in plan.allocations)
    phases = sum(plan.timings_ms[k] for k in ("quote", "solve", "reserve", "confirm"))
    assert phases - 4 <= plan.timings_ms["total"] <= done.updated_at_ms - done.created_at_ms
    # The nodes booked exactly the confirmed holds, under the coordinator's ids.
    for node in (s1, s2):
        held = node.reservations()
        mine = {a.reservation_id for a in plan.allocations if a.member_id == node.member_id}
        assert held == {rid: "confirmed" for rid in mine}
    settled = pool.settlement(OPERATOR)
    assert sorted((x.member_id, x.quantity, x.amount_micros) for x in settled) == [
        ("S01", 60, 60 * 20_000_000),
        ("S02", 40, 40 * 25_000_000),
    ]
    assert {x.tenant_id for x in settled} == {"OEM1"}
    fairness = {(r.member_id, r.part_number): r for r in pool.fairness(OPERATOR)}
    assert fairness[("S01", "P-100")].drawn_quantity == 60
    status = pool.audit_status(OPERATOR)
    assert status.log_size >= 8 and status.latest_checkpoint.startswith("alliance.v1/coordinator")
