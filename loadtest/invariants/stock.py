"""Stock invariants per supplier and part, from each node's own tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from loadtest.invariants.node_facts import NodeFacts
from loadtest.invariants.results import CheckResult, verdict

# The node's expiry sweeper runs every second (node/grpc/server.py); a hold may outlive its
# time-to-live by one interval plus the sweep itself before it is expired.
SWEEP_INTERVAL_MS = 1_000
TTL_GRACE_MS = 2 * SWEEP_INTERVAL_MS


def no_negative_stock(nodes: Sequence[NodeFacts]) -> CheckResult:
    problems = [f"{n.member_id}: {p}" for n in nodes for p in n.negatives]
    return verdict(
        "no negative stock",
        "every balance, lot, hold, pool share and valuation quantity is >= 0",
        f"{len(nodes)} nodes",
        problems,
    )


def holds_within_available(nodes: Sequence[NodeFacts]) -> CheckResult:
    """confirmed to the alliance + held pending <= what the supplier had for it, per part:
    everything its ledger brought in, less what it moved out for any other reason."""
    problems: list[str] = []
    parts = 0
    for node in nodes:
        alliance_orders = {r.sales_order_number for r in node.confirmed() if r.sales_order_number}
        issued = sum((node.shipped[so] for so in alliance_orders), start=Counter[str]())
        drawn, held = node.stock_lines("confirmed"), node.stock_lines("pending")
        for part in sorted(set(node.net_by_part) | set(drawn) | set(held)):
            parts += 1
            available = node.net_by_part[part] + issued[part]
            if drawn[part] + held[part] > available:
                problems.append(
                    f"{node.member_id} part {part}: confirmed {drawn[part]} + pending "
                    f"{held[part]} > available {available}"
                )
        for lot, held_units in sorted(node.lot_held.items()):
            if held_units > node.lot_on_hand.get(lot, 0):
                problems.append(
                    f"{node.member_id} {lot}: held {held_units} > on hand "
                    f"{node.lot_on_hand.get(lot, 0)}"
                )
    return verdict(
        "reserved + confirmed within available",
        "per supplier and part: units confirmed + units held pending <= units received and "
        "counted in less the supplier's own shipments; per lot: held <= on hand",
        f"{len(nodes)} nodes, {parts} parts",
        problems,
    )


def no_overdue_holds(nodes: Sequence[NodeFacts], reference_ms: int) -> CheckResult:
    problems = [
        f"{n.member_id} reservation {r.reservation_id}: pending "
        f"{(reference_ms - r.expires_at_ms) / 1000:.1f} s past its time-to-live"
        for n in nodes
        for r in n.reservations.values()
        if r.state == "pending" and r.expires_at_ms + TTL_GRACE_MS < reference_ms
    ]
    return verdict(
        "no hold past its time-to-live",
        f"no reservation pending more than {TTL_GRACE_MS / 1000:g} s after it expires "
        f"(grace: the nodes' {SWEEP_INTERVAL_MS / 1000:g} s sweep interval plus one sweep)",
        f"{sum(len(n.reservations) for n in nodes)} reservations",
        problems,
    )


def confirmed_holds_shipped(node: NodeFacts) -> list[str]:
    """Each confirmed reservation issued exactly its stock lines under its own sales order."""
    problems = []
    orders: dict[str, str] = {}
    for row in node.confirmed():
        so = row.sales_order_number
        if not so:
            problems.append(f"reservation {row.reservation_id} confirmed without a sales order")
            continue
        if so in orders:
            problems.append(f"sales order {so} serves {orders[so]} and {row.reservation_id}")
        orders[so] = row.reservation_id
        wanted: Counter[str] = Counter()
        for (part, source, _), quantity in node.lines[row.reservation_id].items():
            if source == "stock":
                wanted[part] += quantity
        if +node.shipped[so] != +wanted:
            problems.append(
                f"reservation {row.reservation_id}: stock lines {dict(wanted)}, issued "
                f"under {so}: {dict(node.shipped[so])}"
            )
    return problems
