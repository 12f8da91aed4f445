"""Every confirmed plan matches the node ledgers and the settlement exactly; a failed demand
shipped nothing. Read from the coordinator's database, each node's, and the settlement as
the coordinator itself computes it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from audit.ed25519 import Signer
from audit.keys import load_private_key
from loadtest.invariants.node_facts import LineKey, NodeFacts
from loadtest.invariants.results import CheckResult, verdict
from loadtest.manifest import CoordinatorEntry
from pool.adapters import orm
from pool.domain.clock import SystemClock
from pool.local_alliance import OPS
from pool.service.api import SettlementLine
from pool.service.audit_trail import AuditTrail
from pool.service.context import Context
from pool.service.coordinator import SqlCoordinator
from pool.settings import PoolSettings


@dataclass(frozen=True)
class Allocation:
    reservation_id: str
    member_id: str
    part_number: str
    source: str
    quantity: int
    unit_price_micros: int


@dataclass
class CoordinatorFacts:
    status: dict[str, str] = field(default_factory=dict)  # demand -> status
    plan_of: dict[str, str] = field(default_factory=dict)  # demand -> plan
    holds: dict[str, tuple[str, str, str]] = field(
        default_factory=dict
    )  # rid -> plan, member, state
    allocations: dict[str, list[Allocation]] = field(default_factory=lambda: defaultdict(list))
    settlement: list[SettlementLine] = field(default_factory=list)


def read_coordinator(entry: CoordinatorEntry) -> CoordinatorFacts:
    engine = sa.create_engine(entry.database_url, poolclass=sa.pool.NullPool)
    facts = CoordinatorFacts()
    try:
        with engine.connect() as conn:
            facts.status = dict(
                conn.execute(sa.select(orm.Demand.demand_id, orm.Demand.status)).all()
            )
            facts.plan_of = dict(
                conn.execute(sa.select(orm.Plan.demand_id, orm.Plan.plan_id)).all()
            )
            for rid, plan, member, state in conn.execute(
                sa.select(
                    orm.Reservation.reservation_id,
                    orm.Reservation.plan_id,
                    orm.Reservation.member_id,
                    orm.Reservation.state,
                )
            ):
                facts.holds[rid] = (plan, member, state)
            for a in conn.execute(sa.select(orm.Allocation)).mappings():
                facts.allocations[a["plan_id"]].append(
                    Allocation(
                        a["reservation_id"],
                        a["member_id"],
                        a["part_number"],
                        a["source"],
                        int(a["quantity"]),
                        int(a["unit_price_micros"]),
                    )
                )
        facts.settlement = _settlement(entry, engine)
    finally:
        engine.dispose()
    return facts


def _settlement(entry: CoordinatorEntry, engine: sa.Engine) -> list[SettlementLine]:
    """The coordinator's own settlement query (what GET /v1/settlement answers), read-only."""
    settings = PoolSettings(database_url=entry.database_url, tls_dir=None)
    trail = AuditTrail(
        settings.audit_log_origin,
        Signer(load_private_key(Path(entry.audit_key_path))),
        settings.coordinator_id,
    )
    ctx = Context(sessionmaker(engine), SystemClock(), settings, trail)
    return SqlCoordinator(ctx).settlement(OPS)


def plans_match(
    coordinator: CoordinatorFacts,
    nodes: Sequence[NodeFacts],
    observed: Iterable[dict[str, Any]] = (),
) -> CheckResult:
    by_member = {n.member_id: n for n in nodes}
    settled = _settled_by_plan(coordinator.settlement)
    problems: list[str] = []
    confirmed = [d for d, s in coordinator.status.items() if s == "confirmed"]
    for demand_id in confirmed:
        plan_id = coordinator.plan_of.get(demand_id, "")
        problems += [
            f"demand {demand_id}: {p}"
            for p in _confirmed_plan(
                coordinator, by_member, plan_id, settled.get(plan_id, Counter())
            )
        ]
    failed = [d for d, s in coordinator.status.items() if s == "failed"]
    for demand_id in failed:
        plan_id = coordinator.plan_of.get(demand_id, "")
        for node in nodes:
            shipped = [r.reservation_id for r in node.confirmed() if r.plan_id == plan_id]
            problems += [
                f"demand {demand_id} failed but {node.member_id} shipped {rid}" for rid in shipped
            ]
    problems += _unknown_to_coordinator(coordinator, nodes)
    seen = 0
    for demand in observed:
        seen += 1
        problems += _observed(coordinator, demand)
    return verdict(
        "confirmed plans match ledgers and settlement",
        "per confirmed plan: each confirmed hold is confirmed on its node with the planned "
        "lines (part, source, price, quantity), its stock was issued, and the settlement "
        "has exactly those units at those prices; a failed demand shipped nothing; what "
        "the automaker was shown is what the coordinator stored",
        f"{len(confirmed)} confirmed and {len(failed)} failed demands, "
        f"{len(coordinator.settlement)} settlement lines, {seen} plans seen by automakers",
        problems,
    )


def _settled_by_plan(lines: Iterable[SettlementLine]) -> dict[str, Counter[tuple[str, str, int]]]:
    settled: dict[str, Counter[tuple[str, str, int]]] = defaultdict(Counter)
    for x in lines:
        settled[x.plan_id][(x.member_id, x.part_number, x.unit_price_micros)] += x.quantity
        if x.amount_micros != x.quantity * x.unit_price_micros:
            settled[x.plan_id][("amount", f"{x.amount_micros} != qty x price", 0)] += 1
    return settled


def _confirmed_plan(
    coordinator: CoordinatorFacts,
    nodes: dict[str, NodeFacts],
    plan_id: str,
    settled: Counter[tuple[str, str, int]],
) -> list[str]:
    problems = []
    planned: Counter[tuple[str, str, int]] = Counter()
    by_hold: dict[str, Counter[LineKey]] = defaultdict(Counter)
    for a in coordinator.allocations.get(plan_id, []):
        _, member, state = coordinator.holds[a.reservation_id]
        node_state = _node_state(nodes, member, a.reservation_id)
        if state != "confirmed":
            if node_state == "confirmed":
                problems.append(
                    f"{member} shipped {a.reservation_id}, which the plan holds {state}"
                )
            continue
        planned[(member, a.part_number, a.unit_price_micros)] += a.quantity
        by_hold[a.reservation_id][(a.part_number, a.source, a.unit_price_micros)] += a.quantity
    for rid, lines in by_hold.items():
        member = coordinator.holds[rid][1]
        if _node_state(nodes, member, rid) != "confirmed":
            problems.append(
                f"{member} has {rid} {_node_state(nodes, member, rid)}, plan: confirmed"
            )
        elif +nodes[member].lines[rid] != +lines:
            problems.append(
                f"{member} {rid}: node lines {dict(nodes[member].lines[rid])}, plan {dict(lines)}"
            )
    if +settled != +planned:
        problems.append(f"plan {plan_id}: settlement {dict(settled)}, plan {dict(planned)}")
    return problems


def _node_state(nodes: dict[str, NodeFacts], member: str, rid: str) -> str:
    node = nodes.get(member)
    row = node.reservations.get(rid) if node else None
    return row.state if row else "unknown"


def _unknown_to_coordinator(coordinator: CoordinatorFacts, nodes: Sequence[NodeFacts]) -> list[str]:
    """A node shipped for a coordinator plan a hold the coordinator does not count confirmed."""
    plans = set(coordinator.plan_of.values())
    return [
        f"{node.member_id} shipped {r.reservation_id} of plan {r.plan_id}; coordinator: "
        f"{coordinator.holds.get(r.reservation_id, ('', '', 'unknown'))[2]}"
        for node in nodes
        for r in node.confirmed()
        if r.plan_id in plans
        and coordinator.holds.get(r.reservation_id, ("", "", ""))[2] != "confirmed"
    ]


def _observed(coordinator: CoordinatorFacts, demand: dict[str, Any]) -> list[str]:
    """The plan an automaker read at the end equals the stored plan.

    A hold the automaker was shown as in doubt (its confirmation went unanswered) may have
    been settled since: it counts as what it became, confirmed or not.
    """
    demand_id = demand["demand_id"]
    if coordinator.status.get(demand_id) != demand["status"]:
        return [
            f"automaker saw demand {demand_id} {demand['status']}, stored "
            f"{coordinator.status.get(demand_id, 'missing')}"
        ]
    plan = demand.get("plan") or {}
    seen = Counter(
        (
            a["reservation_id"],
            a["member_id"],
            a["part_number"],
            a["quantity"],
            a["unit_price_micros"],
        )
        for a in plan.get("allocations", [])
        if a["state"] == "confirmed"
        or (
            a["state"] == "in_doubt"
            and coordinator.holds.get(a["reservation_id"], ("", "", ""))[2] == "confirmed"
        )
    )
    stored = Counter(
        (a.reservation_id, a.member_id, a.part_number, a.quantity, a.unit_price_micros)
        for a in coordinator.allocations.get(plan.get("plan_id", ""), [])
        if coordinator.holds[a.reservation_id][2] == "confirmed"
    )
    if seen != stored:
        return [f"automaker saw plan {plan.get('plan_id')} as {dict(seen)}, stored {dict(stored)}"]
    return []
