"""Every node's ledger reconciles, by the node's own reconciliation, and its confirmed
reservations were shipped to the unit."""

from __future__ import annotations

from collections.abc import Sequence

from loadtest.invariants.node_facts import NodeFacts
from loadtest.invariants.results import CheckResult, verdict
from loadtest.invariants.stock import confirmed_holds_shipped
from loadtest.manifest import NodeEntry
from node.service.factory import open_node


def reconcile(entry: NodeEntry) -> tuple[list[str], int]:
    """The node's Reconcile use case (as `InventoryService.Reconcile` runs it), read-only:
    opened without its audit key, a node refuses every change."""
    service = open_node(entry.database_url, pool_size=1)
    try:
        result = service.reconcile()
    finally:
        service.close()  # type: ignore[attr-defined]  # SqlNodeService; not in the Protocol
    return list(result.mismatches), result.movements_checked


def ledgers_reconcile(entries: Sequence[NodeEntry], facts: Sequence[NodeFacts]) -> CheckResult:
    problems: list[str] = []
    movements = 0
    for entry, node in zip(entries, facts, strict=True):
        mismatches, checked = reconcile(entry)
        movements += checked
        problems += [f"{entry.member_id}: {m}" for m in mismatches]
        problems += [f"{entry.member_id}: {p}" for p in confirmed_holds_shipped(node)]
    return verdict(
        "ledgers reconcile",
        "balances = sum of movements, lots = balances, holds = pending lines, journal "
        "balanced (the node's Reconcile); each confirmed reservation issued exactly its "
        "stock lines under its own sales order",
        f"{len(entries)} nodes, {movements:,} movements",
        problems,
    )
