"""Safety stock from demand history: SS = ceil(z(service level) x sigma(daily) x sqrt(lead))."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from node.service.api import InvalidInput


@dataclass(frozen=True)
class SafetyStockCalculation:
    quantity: int
    explanation: str


def computed_safety_stock(
    daily_demand: Sequence[int], service_level: Decimal, lead_time_days: int, unit: str
) -> SafetyStockCalculation:
    """Classic cycle-service-level safety stock for normally distributed daily demand.

    The z-score is a float from `statistics.NormalDist`; the result is rounded up to a whole
    unit so the stored quantity stays an exact integer.
    """
    if not Decimal("0.5") <= service_level < Decimal("1"):
        raise InvalidInput(f"service level {service_level} must be in [0.5, 1)")
    if len(daily_demand) < 2:
        raise InvalidInput("at least 2 days of demand history are needed")
    if lead_time_days <= 0:
        raise InvalidInput("the part has no production lead time; set capacity and lead time first")
    z = statistics.NormalDist().inv_cdf(float(service_level))
    sigma = statistics.stdev(daily_demand)
    mean = statistics.fmean(daily_demand)
    raw = z * sigma * math.sqrt(lead_time_days)
    quantity = max(0, math.ceil(round(raw, 9)))  # round(…, 9): 12.0000000001 is 12, not 13
    explanation = (
        f"SS = ceil(z({service_level}) x sigma_daily x sqrt(lead time days)) = "
        f"ceil({z:.4f} x {sigma:.4f} x sqrt({lead_time_days})) = ceil({raw:.4f}) = "
        f"{quantity} {unit}; daily demand over {len(daily_demand)} days: "
        f"mean {mean:.4f}, total {sum(daily_demand)}, max {max(daily_demand)}"
    )
    return SafetyStockCalculation(quantity, explanation)


def configured_explanation(quantity: int, unit: str) -> str:
    return f"SS = {quantity} {unit} (configured)"
