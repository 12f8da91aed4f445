"""Run every invariant over an alliance described by its manifest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loadtest.invariants import stock
from loadtest.invariants.audit_logs import audit_logs_verify
from loadtest.invariants.ledgers import ledgers_reconcile
from loadtest.invariants.node_facts import NodeFacts, read_facts
from loadtest.invariants.plans import plans_match, read_coordinator
from loadtest.invariants.results import CheckResult
from loadtest.manifest import Manifest, NodeEntry

OBSERVED_PLANS = "observed_plans.jsonl"  # what the simulated automakers were shown


def check_alliance(manifest: Manifest, workdir: Path) -> list[CheckResult]:
    """Every check, each with its own verdict. Holds are judged at the moment the nodes
    stopped (their sweepers with them), or now for a running alliance."""
    reference_ms = manifest.stopped_at_ms or int(time.time() * 1000)
    facts = [_facts(n) for n in manifest.nodes]
    return [
        stock.no_negative_stock(facts),
        stock.holds_within_available(facts),
        stock.no_overdue_holds(facts, reference_ms),
        ledgers_reconcile(manifest.nodes, facts),
        audit_logs_verify(manifest, workdir / "audit"),
        plans_match(
            read_coordinator(manifest.coordinator), facts, _observed(workdir / OBSERVED_PLANS)
        ),
    ]


def _facts(entry: NodeEntry) -> NodeFacts:
    engine = sa.create_engine(entry.database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return read_facts(conn, entry.member_id)
    finally:
        engine.dispose()


def _observed(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        with path.open() as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)


def write_results(results: list[CheckResult], path: Path) -> None:
    path.write_text(json.dumps([r.to_json() for r in results], indent=2) + "\n")


def read_results(path: Path) -> list[CheckResult]:
    return [CheckResult.from_json(x) for x in json.loads(path.read_text())]
