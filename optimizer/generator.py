"""Seeded random instances: the benchmark families and the small instances of the tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

from optimizer.request import (
    DAY_MS,
    HOUR_MS,
    DemandLine,
    Lane,
    Offer,
    PlanRequest,
    Policy,
)

NOW_AT = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    suppliers: int
    lines: int
    lines_per_part: int = 10
    candidates_per_part: int = 20
    destinations: int = 5
    stock_tightness_pct: int = 80  # pooled stock as a share of the part's demand
    slack_days: int = 10  # due times spread over 1 .. slack_days days


FAMILIES = {
    "12x200": Family("12x200", 12, 200),
    "100x2000": Family("100x2000", 100, 2000),
    "1000x10000": Family("1000x10000", 1000, 10000),
}

VARIANTS = {  # (stock tightness %, deadline slack days)
    "tight": (50, 4),
    "loose": (130, 14),
}


def _lanes(rng: random.Random, price: int, line_value: int, destinations: int) -> tuple:
    return tuple(
        Lane(
            destination=f"DEST{d:02d}",
            shipping_cost_per_unit_micros=price * rng.randint(1, 6) // 100,
            shipment_fixed_cost_micros=line_value * rng.randint(50, 150) // 10_000,
            transit_time_hours=rng.randint(8, 96),
        )
        for d in range(destinations)
    )


def _part_offers(
    rng: random.Random, family: Family, part: str, demand: int, mean_quantity: int,
    suppliers: list[str],
) -> list[Offer]:
    base = rng.randint(5, 500) * MICROS
    candidates = rng.sample(suppliers, min(family.candidates_per_part, len(suppliers)))
    weights = [rng.random() if rng.random() < 0.7 else 0.0 for _ in candidates]
    total_weight = sum(weights) or 1.0
    pooled = demand * family.stock_tightness_pct // 100
    offers = []
    for supplier, weight in zip(candidates, weights, strict=True):
        price = base * rng.randint(85, 115) // 100
        stock = int(pooled * weight / total_weight)
        offers.append(Offer(
            supplier_id=supplier, part_number=part, stock_quantity=stock,
            capacity_per_day=max(1, demand // (len(candidates) * rng.randint(2, 8))),
            lead_time_days=rng.randint(1, 6),
            unit_price_micros=price,
            production_unit_price_micros=price * rng.randint(100, 112) // 100,
            reliability_permille=rng.randint(900, 1000),
            contributed_quantity=stock + rng.randint(0, max(1, stock // 2)),
            drawn_quantity=rng.randint(0, max(1, stock)),
            lanes=_lanes(rng, price, mean_quantity * price, family.destinations),
        ))
    return offers


def generate(family: Family, seed: int, policy: Policy | None = None) -> PlanRequest:
    rng = random.Random(f"{family.name}:{family.stock_tightness_pct}:{family.slack_days}:{seed}")
    suppliers = [f"SUP{i:04d}" for i in range(family.suppliers)]
    n_parts = max(1, family.lines // family.lines_per_part)
    parts = [f"PART{i:05d}" for i in range(n_parts)]
    lines = []
    for i in range(family.lines):
        lines.append(DemandLine(
            line_id=f"L{i:06d}", part_number=parts[i % n_parts],
            quantity=int(rng.lognormvariate(4.5, 0.8)) + 1,
            due_at=NOW_AT + rng.randint(12 * HOUR_MS, family.slack_days * DAY_MS),
            destination=f"DEST{rng.randrange(family.destinations):02d}",
            priority=2 if rng.random() < 0.1 else 1,
            allow_partial=rng.random() < 0.9, allow_split=rng.random() < 0.9,
        ))
    by_part: dict[str, list[DemandLine]] = {part: [] for part in parts}
    for line in lines:
        by_part[line.part_number].append(line)
    offers = []
    for part in parts:
        part_lines = by_part[part]
        demand = sum(line.quantity for line in part_lines)
        mean_quantity = demand // len(part_lines)
        offers += _part_offers(rng, family, part, demand, mean_quantity, suppliers)
    return PlanRequest(
        plan_id=f"{family.name}-{seed}", now_at=NOW_AT, lines=tuple(lines),
        offers=tuple(offers), policy=policy or Policy(),
    )


def small(seed: int, policy: Policy | None = None) -> PlanRequest:
    """A small random instance for cross-checks: 2-6 suppliers, 3-12 lines, 1-3 parts."""
    rng = random.Random(seed)
    lines = rng.randint(3, 12)
    family = Family(
        f"small{seed}", suppliers=rng.randint(2, 6), lines=lines,
        lines_per_part=max(1, lines // rng.randint(1, 3)), candidates_per_part=6,
        destinations=rng.randint(1, 3), stock_tightness_pct=rng.choice([30, 60, 100, 150]),
        slack_days=rng.choice([2, 4, 8]),
    )
    return generate(family, seed, policy)
