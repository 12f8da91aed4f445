"""What one node's database says, read once for every check that needs it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from node.adapters.orm import (
    Lot,
    Part,
    PartPool,
    Reservation,
    ReservationLine,
    ReservationLot,
    StockBalance,
    StockMovement,
)

LineKey = tuple[str, str, int]  # (part, source, unit price)


@dataclass(frozen=True)
class HoldRow:
    reservation_id: str
    plan_id: str
    state: str
    expires_at_ms: int
    sales_order_number: str


@dataclass
class NodeFacts:
    member_id: str
    negatives: list[str] = field(default_factory=list)
    reservations: dict[str, HoldRow] = field(default_factory=dict)
    lines: dict[str, Counter[LineKey]] = field(default_factory=lambda: defaultdict(Counter))
    shipped: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    net_by_part: Counter[str] = field(default_factory=Counter)
    lot_on_hand: dict[str, int] = field(default_factory=dict)  # "part lot" -> ledger sum
    lot_held: Counter[str] = field(default_factory=Counter)

    def confirmed(self) -> list[HoldRow]:
        return [r for r in self.reservations.values() if r.state == "confirmed"]

    def stock_lines(self, state: str) -> Counter[str]:
        """Units per part on stock lines of reservations in `state`."""
        total: Counter[str] = Counter()
        for rid, row in self.reservations.items():
            if row.state == state:
                for (part, source, _), quantity in self.lines[rid].items():
                    if source == "stock":
                        total[part] += quantity
        return total


def read_facts(conn: Connection, member_id: str) -> NodeFacts:
    facts = NodeFacts(member_id)
    facts.negatives = _negatives(conn)
    for row in conn.execute(
        sa.select(
            Reservation.reservation_id,
            Reservation.plan_id,
            Reservation.state,
            Reservation.expires_at_ms,
            Reservation.sales_order_number,
        )
    ):
        facts.reservations[row[0]] = HoldRow(*row)
    for rid, part, source, price, quantity in conn.execute(
        sa.select(
            ReservationLine.reservation_id,
            ReservationLine.part_number,
            ReservationLine.source,
            ReservationLine.unit_price_micros,
            ReservationLine.quantity,
        )
    ):
        facts.lines[rid][(part, source, int(price))] += int(quantity)
    _read_ledger(conn, facts)
    return facts


def _read_ledger(conn: Connection, facts: NodeFacts) -> None:
    movements = (
        sa.select(
            Part.part_number,
            Lot.lot_number,
            StockMovement.movement_type,
            StockMovement.document_number,
            sa.func.sum(StockMovement.quantity_delta),
        )
        .join(Part, Part.id == StockMovement.part_id)
        .join(Lot, Lot.id == StockMovement.lot_id)
        .group_by(
            Part.part_number,
            Lot.lot_number,
            StockMovement.movement_type,
            StockMovement.document_number,
        )
    )
    lot_on_hand: Counter[str] = Counter()
    for part, lot, kind, document, delta in conn.execute(movements):
        facts.net_by_part[part] += int(delta)
        lot_on_hand[f"{part} {lot}"] += int(delta)
        if kind == "sales_issue":
            facts.shipped[document][part] -= int(delta)
    facts.lot_on_hand = dict(lot_on_hand)
    held = (
        sa.select(Part.part_number, Lot.lot_number, sa.func.sum(ReservationLot.quantity))
        .join(Lot, Lot.id == ReservationLot.lot_id)
        .join(Part, Part.id == Lot.part_id)
        .join(Reservation, Reservation.reservation_id == ReservationLot.reservation_id)
        .where(Reservation.state == "pending")
        .group_by(Part.part_number, Lot.lot_number)
    )
    for part, lot, quantity in conn.execute(held):
        facts.lot_held[f"{part} {lot}"] += int(quantity)


def _negatives(conn: Connection) -> list[str]:
    """Every stored quantity that is below zero (the database's CHECKs should make it none)."""
    found = []
    for part, lot, location, quantity in conn.execute(
        sa.select(Part.part_number, Lot.lot_number, StockBalance.location_id, StockBalance.quantity)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Part, Part.id == StockBalance.part_id)
        .where(StockBalance.quantity < 0)
    ):
        found.append(f"part {part} lot {lot} at {location}: balance {quantity}")
    for part, lot, on_hand, reserved in conn.execute(
        sa.select(Part.part_number, Lot.lot_number, Lot.on_hand, Lot.reserved)
        .join(Part, Part.id == Lot.part_id)
        .where(sa.or_(Lot.on_hand < 0, Lot.reserved < 0))
    ):
        found.append(f"part {part} lot {lot}: on hand {on_hand}, reserved {reserved}")
    pool_columns = (
        PartPool.reserved_quantity,
        PartPool.production_reserved_quantity,
        PartPool.contributed_quantity,
        PartPool.free_quantity,
    )
    for part, *values in conn.execute(
        sa.select(Part.part_number, *pool_columns)
        .join(Part, Part.id == PartPool.part_id)
        .where(sa.or_(*(c < 0 for c in pool_columns)))
    ):
        names = ("reserved", "production reserved", "contributed", "free")
        found.append(
            f"part {part} pool: "
            + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True))
        )
    for part, valuated in conn.execute(
        sa.select(Part.part_number, Part.valuated_quantity).where(Part.valuated_quantity < 0)
    ):
        found.append(f"part {part}: valuated quantity {valuated}")
    return found
