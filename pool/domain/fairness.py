"""Fairness over a period: what each supplier kept in the pool, weighted by time, against what
the alliance drew from it. Pure arithmetic on integers."""

from __future__ import annotations

from collections.abc import Sequence

Change = tuple[int, int]  # (at_ms, contributed quantity from then on)


def unit_ms(changes: Sequence[Change], since_ms: int, until_ms: int) -> int:
    """The integral of a contribution over [since_ms, until_ms): units times milliseconds.

    `changes` are in time order; before the first one the contribution was 0, and each holds
    until the next. So 60 units pooled for half the period and 0 after count as 30 on average.
    """
    if until_ms <= since_ms:
        return 0
    total, level, at = 0, 0, since_ms
    for changed_at, quantity in changes:
        if changed_at >= until_ms:
            break
        if changed_at > at:
            total += level * (changed_at - at)
            at = changed_at
        level = quantity
    return total + level * (until_ms - at)


def average_quantity(kept_unit_ms: int, since_ms: int, until_ms: int) -> int:
    """The time-weighted average over the period of a contribution whose integral is
    `kept_unit_ms` (see `unit_ms`), in whole units rounded down."""
    span = until_ms - since_ms
    return kept_unit_ms // span if span > 0 else 0


def share_ppm(part: int, whole: int) -> int:
    return part * 1_000_000 // whole if whole else 0
