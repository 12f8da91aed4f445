"""Time-weighted contributions (pool/domain/fairness.py)."""

from __future__ import annotations

from pool.domain.fairness import average_quantity, share_ppm, unit_ms


def test_a_contribution_counts_for_as_long_as_it_was_kept() -> None:
    changes = [(100, 60), (200, 0)]  # 60 units pooled from t=100 to t=200, none after
    assert unit_ms(changes, 0, 300) == 60 * 100
    assert average_quantity(unit_ms(changes, 100, 300), 100, 300) == 30
    assert average_quantity(unit_ms(changes, 100, 200), 100, 200) == 60


def test_before_the_first_change_nothing_was_pooled_and_the_last_level_holds() -> None:
    changes = [(50, 10), (80, 40)]
    assert unit_ms(changes, 0, 50) == 0
    assert unit_ms(changes, 60, 100) == 10 * 20 + 40 * 20
    assert unit_ms(changes, 1_000, 1_010) == 40 * 10  # long after the last change


def test_changes_after_the_period_do_not_count_and_empty_periods_are_zero() -> None:
    changes = [(0, 5), (500, 1_000)]
    assert unit_ms(changes, 0, 100) == 500
    assert unit_ms(changes, 100, 100) == 0
    assert average_quantity(unit_ms(changes, 100, 100), 100, 100) == 0
    assert unit_ms([], 0, 100) == 0


def test_shares_in_parts_per_million() -> None:
    assert share_ppm(90, 150) == 600_000
    assert share_ppm(1, 3) == 333_333
    assert share_ppm(5, 0) == 0
