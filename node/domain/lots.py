"""Lots of a part and first-expiry-first-out picking of the stock that may be promised."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from node.service.api import LotPick, QualityStatus


@dataclass(frozen=True)
class LotStock:
    """One lot of one part as the pool sees it: totals over every location."""

    lot_number: str
    quality_status: QualityStatus
    expiry_date: date | None
    production_date: date | None
    on_hand: int
    reserved: int  # held by pending reservations

    def is_expired(self, today: date) -> bool:
        # A lot may be used on its expiry date (GS1 AI 17 is the last day of use).
        return self.expiry_date is not None and self.expiry_date < today

    def is_released(self) -> bool:
        return self.quality_status is QualityStatus.RELEASED

    def is_available(self, today: date) -> bool:
        return self.is_released() and not self.is_expired(today)

    def free(self, today: date) -> int:
        """Units of this lot that can still be promised."""
        if not self.is_available(today):
            return 0
        return max(0, self.on_hand - self.reserved)


def fefo_key(lot: LotStock) -> tuple[bool, date, str]:
    """First expiry first out; lots without expiry last; then by lot number."""
    return (lot.expiry_date is None, lot.expiry_date or date.max, lot.lot_number)


def pick_fefo(lots: Iterable[LotStock], quantity: int, today: date) -> list[LotPick]:
    """Lots to take `quantity` from, first expiry first. Shorter than asked when stock is short."""
    picks: list[LotPick] = []
    remaining = quantity
    for lot in sorted(lots, key=fefo_key):
        if remaining <= 0:
            break
        take = min(lot.free(today), remaining)
        if take > 0:
            picks.append(LotPick(lot.lot_number, take, lot.expiry_date, lot.production_date))
            remaining -= take
    return picks


def expiry_from_shelf_life(
    production_date: date | None, expiry_date: date | None, shelf_life_days: int | None
) -> date | None:
    """An explicit expiry date wins; else production date plus the part's shelf life."""
    if expiry_date is not None:
        return expiry_date
    if production_date is not None and shelf_life_days is not None:
        return production_date + timedelta(days=shelf_life_days)
    return None


@dataclass(frozen=True)
class StockSummary:
    """What a part's lots add up to on a given day."""

    on_hand: int
    blocked: int  # quarantine and blocked lots
    expired: int  # released lots past expiry
    lot_reserved: int
    unavailable_lots: tuple[str, ...]  # why stock is missing, for error messages

    @property
    def usable(self) -> int:
        return self.on_hand - self.blocked - self.expired


def summarize(lots: Sequence[LotStock], today: date) -> StockSummary:
    on_hand = blocked = expired = reserved = 0
    notes: list[str] = []
    for lot in sorted(lots, key=fefo_key):
        on_hand += lot.on_hand
        reserved += lot.reserved
        if lot.on_hand <= 0:
            continue
        if not lot.is_released():
            blocked += lot.on_hand
            notes.append(f"lot {lot.lot_number} ({lot.on_hand}) is {lot.quality_status.value}")
        elif lot.is_expired(today):
            expired += lot.on_hand
            notes.append(f"lot {lot.lot_number} ({lot.on_hand}) expired on {lot.expiry_date}")
    return StockSummary(on_hand, blocked, expired, reserved, tuple(notes))
