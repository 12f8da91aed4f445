"""The fault schedule: what to break, when and for how long, written as a short text.

    KIND[:TARGET]@AT[+HOLD][=DELAYms]   (comma separated; times in seconds from load start)

    node-kill:S03@10+4          SIGKILL node S03 at t=10 s, restart it 4 s later
    coordinator-kill@20+3       SIGKILL the active coordinator (the standby takes over), start it
                                again 3 s later as the new standby
    proxy-delay:S05@15+6=250ms  add 250 ms each way on the coordinator's link to S05 for 6 s
    proxy-drop:S06@25+5         swallow every byte on that link for 5 s, then reset it
    proxy-cut:S07@30+5          close the link's connections and refuse new ones for 5 s
    pg-restart@40               restart the PostgreSQL cluster

A TARGET of `?` is a member drawn with the run's seed (each draw a member not drawn before),
so a schedule is repeatable: the same text and seed break the same things at the same times.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

NODE_FAULTS = ("node-kill", "proxy-delay", "proxy-drop", "proxy-cut")
KINDS = (*NODE_FAULTS, "coordinator-kill", "pg-restart")
DEFAULT_HOLD_S = {"node-kill": 3.0, "coordinator-kill": 3.0, "pg-restart": 0.0}
PROXY_DEFAULT_HOLD_S = 5.0
DRAW = "?"

_FAULT = re.compile(
    r"(?P<kind>[a-z-]+)(?::(?P<target>[A-Za-z0-9_?-]+))?"
    r"@(?P<at>\d+(?:\.\d+)?)s?(?:\+(?P<hold>\d+(?:\.\d+)?)s?)?(?:=(?P<delay>\d+)ms)?"
)


class ScheduleError(ValueError):
    """A schedule that cannot run; the message names the item and why."""


@dataclass(frozen=True)
class Fault:
    kind: str
    at_s: float
    hold_s: float
    target: str  # a member id, "coordinator" or "postgresql"
    delay_ms: int = 0

    @property
    def ends_at_s(self) -> float:
        return self.at_s + self.hold_s

    @property
    def on_node(self) -> bool:
        return self.kind in NODE_FAULTS

    def describe(self) -> str:
        what = {
            "node-kill": f"kill -9 node {self.target}, restart after {self.hold_s:g} s",
            "coordinator-kill": (
                f"kill -9 the active coordinator, restart it as the standby after {self.hold_s:g} s"
            ),
            "proxy-delay": f"delay {self.target}'s link {self.delay_ms} ms for {self.hold_s:g} s",
            "proxy-drop": f"drop {self.target}'s link for {self.hold_s:g} s",
            "proxy-cut": f"cut {self.target}'s link for {self.hold_s:g} s",
            "pg-restart": "restart PostgreSQL",
        }[self.kind]
        return f"t={self.at_s:g} s: {what}"


def parse_schedule(text: str, members: Sequence[str], seed: int) -> list[Fault]:
    """Faults in time order; `none` or an empty text is no fault."""
    items = [x.strip() for x in text.split(",") if x.strip()]
    if items == ["none"]:
        return []
    drawn = _Draw(members, seed)
    faults = sorted((_parse_one(item, members, drawn) for item in items), key=lambda f: f.at_s)
    _refuse_overlaps(faults)
    return faults


def check_fits(faults: Sequence[Fault], duration_s: float) -> None:
    """Every fault must end before the load does, so the run ends with everything healed."""
    for fault in faults:
        if fault.ends_at_s >= duration_s:
            raise ScheduleError(
                f"{fault.describe()} ends at {fault.ends_at_s:g} s, not before the load "
                f"ends at {duration_s:g} s"
            )


class _Draw:
    def __init__(self, members: Sequence[str], seed: int) -> None:
        self._rng = random.Random(seed)
        self._left = sorted(members)

    def member(self) -> str:
        if not self._left:
            raise ScheduleError("more `?` targets than members")
        return self._left.pop(self._rng.randrange(len(self._left)))


def _parse_one(item: str, members: Sequence[str], drawn: _Draw) -> Fault:
    match = _FAULT.fullmatch(item)
    if match is None:
        raise ScheduleError(f"{item!r}: expected KIND[:TARGET]@AT[+HOLD][=DELAYms]")
    kind, target = match["kind"], match["target"]
    if kind not in KINDS:
        raise ScheduleError(f"{item!r}: unknown fault {kind!r}; one of {', '.join(KINDS)}")
    hold = match["hold"]
    hold_s = float(hold) if hold is not None else _default_hold(kind)
    delay_ms = int(match["delay"]) if match["delay"] is not None else 0
    if (kind == "proxy-delay") != (match["delay"] is not None):
        raise ScheduleError(f"{item!r}: =DELAYms goes with proxy-delay and only there")
    if kind == "pg-restart" and hold_s:
        raise ScheduleError(f"{item!r}: pg-restart has no hold time")
    if kind != "pg-restart" and hold_s <= 0:
        raise ScheduleError(f"{item!r}: the hold time must be positive")
    return Fault(
        kind, float(match["at"]), hold_s, _target(item, kind, target, members, drawn), delay_ms
    )


def _default_hold(kind: str) -> float:
    return DEFAULT_HOLD_S.get(kind, PROXY_DEFAULT_HOLD_S)


def _target(item: str, kind: str, target: str | None, members: Sequence[str], drawn: _Draw) -> str:
    if kind not in NODE_FAULTS:
        if target is not None:
            raise ScheduleError(f"{item!r}: {kind} takes no target")
        return "coordinator" if kind == "coordinator-kill" else "postgresql"
    if target in (None, DRAW):
        return drawn.member()
    if target not in members:
        raise ScheduleError(f"{item!r}: no member {target!r}")
    return target


def _refuse_overlaps(faults: Sequence[Fault]) -> None:
    """Two faults on one target at once would make the second's effect unreadable."""
    for i, first in enumerate(faults):
        for second in faults[i + 1 :]:
            if second.target == first.target and second.at_s <= first.ends_at_s:
                raise ScheduleError(
                    f"{second.describe()} overlaps {first.describe()} on {first.target}"
                )
