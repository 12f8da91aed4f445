"""The fault schedule: its grammar, seeded targets, and what it refuses."""

from __future__ import annotations

import pytest

from loadtest.faults import Fault, ScheduleError, check_fits, parse_schedule
from loadtest.injector import steps

MEMBERS = [f"S{i:02d}" for i in range(1, 13)]


def test_every_kind_parses_with_its_times_target_and_delay() -> None:
    faults = parse_schedule(
        "node-kill:S03@10+4, coordinator-kill@20+3, proxy-delay:S05@15+6=250ms, "
        "proxy-drop:S06@25s+5s, proxy-cut:S07@30+5, pg-restart@40",
        MEMBERS,
        seed=1,
    )
    assert faults == [
        Fault("node-kill", 10, 4, "S03"),
        Fault("proxy-delay", 15, 6, "S05", 250),
        Fault("coordinator-kill", 20, 3, "coordinator"),
        Fault("proxy-drop", 25, 5, "S06"),
        Fault("proxy-cut", 30, 5, "S07"),
        Fault("pg-restart", 40, 0, "postgresql"),
    ]


def test_hold_times_default_by_kind() -> None:
    kill, delay = parse_schedule("node-kill:S01@1, proxy-delay:S02@2=100ms", MEMBERS, seed=1)
    assert (kill.hold_s, delay.hold_s) == (3.0, 5.0)


def test_drawn_targets_repeat_with_the_seed_and_differ_from_each_other() -> None:
    text = "node-kill:?@5+2, proxy-cut@10+2, proxy-delay:?@20+2=50ms"
    first = [f.target for f in parse_schedule(text, MEMBERS, seed=42)]
    assert first == [f.target for f in parse_schedule(text, MEMBERS, seed=42)]
    assert len(set(first)) == 3 and set(first) <= set(MEMBERS)
    others = {tuple(f.target for f in parse_schedule(text, MEMBERS, seed=s)) for s in range(20)}
    assert len(others) > 1


@pytest.mark.parametrize("text", ["", "none", " none "])
def test_no_fault(text: str) -> None:
    assert parse_schedule(text, MEMBERS, seed=1) == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("node-crash:S01@1", "unknown fault"),
        ("node-kill S01 at 1", "expected KIND"),
        ("proxy-delay:S01@1+2", "=DELAYms"),
        ("proxy-cut:S01@1+2=10ms", "=DELAYms"),
        ("pg-restart@5+3", "no hold time"),
        ("coordinator-kill:S01@5", "takes no target"),
        ("node-kill:S99@5", "no member 'S99'"),
        ("node-kill:S01@5+0", "must be positive"),
        ("node-kill:S01@5+4, proxy-cut:S01@8+2", "overlaps"),
        (",".join(f"node-kill:?@{i * 10}+1" for i in range(13)), "targets than members"),
    ],
)
def test_a_schedule_that_cannot_run_is_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(ScheduleError, match=why):
        parse_schedule(text, MEMBERS, seed=1)


def test_every_fault_must_be_healed_before_the_load_ends() -> None:
    faults = parse_schedule("node-kill:S01@25+4", MEMBERS, seed=1)
    check_fits(faults, 30)
    with pytest.raises(ScheduleError, match="before the load ends"):
        check_fits(faults, 29)


def test_actions_run_in_time_order_and_a_restart_of_postgres_is_one_action() -> None:
    faults = parse_schedule("node-kill:S01@5+10, proxy-cut:S02@8+1, pg-restart@9", MEMBERS, 1)
    assert [(at, phase, f.kind) for at, phase, f in steps(faults)] == [
        (5, "inject", "node-kill"),
        (8, "inject", "proxy-cut"),
        (9, "heal", "proxy-cut"),
        (9, "inject", "pg-restart"),
        (15, "heal", "node-kill"),
    ]
