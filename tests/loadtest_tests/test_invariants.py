"""The invariant checker on a real alliance (12 node processes and the coordinator, SQLite):
a clean copy passes every check, and each kind of corruption fails the check that guards it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from loadtest.invariants import CheckResult, check_alliance
from loadtest.manifest import load
from pool.demo_data import urgent_order
from pool.local_alliance import OPS, start_alliance

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def alliance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An alliance that confirmed one urgent demand, stopped: its databases stay behind."""
    workdir = tmp_path_factory.mktemp("checked") / "alliance"
    alliance = start_alliance(workdir)
    try:
        order = urgent_order([n.books for n in alliance.nodes.values()], lines=6)
        order = [replace(o, quantity=max(1, o.quantity // 10)) for o in order]
        with alliance.client() as client:
            demand = alliance.submit(client, order, reference="CHECKER")
            demand = alliance.wait_final(client, demand["demand_id"], timeout_s=60)
        assert demand["status"] == "confirmed", demand["failure"]
        alliance.coordinator.audit_status(OPS)  # a signed checkpoint over the whole log
    finally:
        alliance.close()
    return workdir


def _checked(workdir: Path) -> dict[str, CheckResult]:
    return {r.name: r for r in check_alliance(load(workdir), workdir)}


def _corrupted(alliance_dir: Path, tmp_path: Path, db: Callable[[Path], Path], sql: str) -> Path:
    """A copy of the alliance with one database changed behind the node's back (CHECK
    constraints off, as a broken writer or a disk editor would)."""
    copy = tmp_path / "alliance"
    shutil.copytree(alliance_dir, copy)
    with sqlite3.connect(db(copy)) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        assert conn.execute(sql).rowcount >= 1, sql
    return copy


def _confirmed_hold(workdir: Path) -> tuple[str, str]:
    with sqlite3.connect(workdir / "coordinator" / "pool.db") as conn:
        member, rid = conn.execute(
            "select member_id, reservation_id from pool_reservation where state = 'confirmed' "
            "order by member_id limit 1"
        ).fetchone()
    return member, rid


def test_a_clean_alliance_passes_every_check(alliance_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "alliance"
    shutil.copytree(alliance_dir, copy)
    results = _checked(copy)
    assert len(results) == 6
    assert all(r.passed for r in results.values()), [r.details for r in results.values()]
    assert (
        "1 confirmed and 0 failed demands"
        in results["confirmed plans match ledgers and settlement"].checked
    )


def test_negative_stock_is_found(alliance_dir: Path, tmp_path: Path) -> None:
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "nodes" / "S02.db",
        "update lot set on_hand = -4 where id = (select min(id) from lot)",
    )
    failed = _checked(copy)["no negative stock"]
    assert not failed.passed and "on hand -4" in failed.details[0]


def test_units_promised_beyond_what_was_available_are_found(
    alliance_dir: Path, tmp_path: Path
) -> None:
    member, rid = _confirmed_hold(alliance_dir)
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "nodes" / f"{member}.db",
        f"update reservation_line set quantity = quantity + 1000000 where reservation_id = '{rid}'"
        " and line_id = (select min(line_id) from reservation_line where reservation_id = "
        f"'{rid}' and source = 'stock') and source = 'stock'",
    )
    results = _checked(copy)
    assert not results["reserved + confirmed within available"].passed
    assert not results["confirmed plans match ledgers and settlement"].passed


def test_a_hold_left_pending_past_its_time_to_live_is_found(
    alliance_dir: Path, tmp_path: Path
) -> None:
    member, rid = _confirmed_hold(alliance_dir)
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "nodes" / f"{member}.db",
        "update reservation set state = 'pending', expires_at_ms = 1000 "
        f"where reservation_id = '{rid}'",
    )
    failed = _checked(copy)["no hold past its time-to-live"]
    assert not failed.passed and rid in failed.details[0]


def test_a_ledger_that_does_not_reconcile_is_found(alliance_dir: Path, tmp_path: Path) -> None:
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "nodes" / "S05.db",
        "update stock_balance set quantity = quantity + 1 "
        "where id = (select min(id) from stock_balance)",
    )
    failed = _checked(copy)["ledgers reconcile"]
    assert not failed.passed and "movements sum to" in failed.details[0]


def test_a_tampered_audit_log_is_found(alliance_dir: Path, tmp_path: Path) -> None:
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "nodes" / "S07.db",
        "update audit_entry set statement = cast('{}' as blob) where leaf_index = 1",
    )
    failed = _checked(copy)["audit logs verify"]
    assert not failed.passed and failed.details[0].startswith("S07: ")


def test_a_plan_that_disagrees_with_the_node_books_is_found(
    alliance_dir: Path, tmp_path: Path
) -> None:
    _, rid = _confirmed_hold(alliance_dir)
    copy = _corrupted(
        alliance_dir,
        tmp_path,
        lambda d: d / "coordinator" / "pool.db",
        "update pool_allocation set quantity = quantity + 1 where allocation_id = "
        f"(select min(allocation_id) from pool_allocation where reservation_id = '{rid}')",
    )
    failed = _checked(copy)["confirmed plans match ledgers and settlement"]
    assert not failed.passed and rid in " ".join(failed.details)
