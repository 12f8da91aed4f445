"""Reserve, confirm, release and expire: the alliance's holds on this node's pool share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from audit.store import insert_rows
from node.adapters import repository as repo
from node.adapters.orm import (
    Lot,
    Reservation,
    ReservationLine,
    ReservationLot,
    table_of,
)
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain import validation as v
from node.domain.capacity import producible_quantity
from node.domain.clock import utc_date
from node.domain.lots import fefo_key
from node.domain.pool_share import shortfall_note
from node.service import pool as pool_share
from node.service.api import (
    AlreadyExists,
    NodeError,
    NotFound,
    PreconditionFailed,
    ReservationState,
    ReservationView,
    ReserveCommand,
    ReservedLineView,
    ReserveLineIn,
    SupplySource,
)
from node.service.codec import payload_hash
from node.service.context import ALLIANCE_ACTOR, NodeContext
from node.service.pricing import line_price
from node.service.production import capacity_of, production_note
from node.service.reservation_views import PartRow, load_view, pick_view


class SweepFirst(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Holds on these parts ran out of time: expire them (own transaction), then retry."""

    def __init__(self, part_ids: set[int]) -> None:
        super().__init__(f"expired holds on parts {sorted(part_ids)}")
        self.part_ids = part_ids


def validate_command(command: ReserveCommand) -> str:
    reservation_id = v.reservation_id(command.reservation_id)
    v.optional_code(command.plan_id, "plan id")
    v.optional_code(command.demand_id, "demand id")
    v.ttl_s(command.ttl_s)
    v.line_count(len(command.lines))
    v.unique_line_ids(line.line_id for line in command.lines)
    for line in command.lines:
        v.part_number(line.part_number)
        v.positive_quantity(line.quantity, f"quantity of line {line.line_id}")
        v.unit_code(line.unit_of_measure)
        if not isinstance(line.source, SupplySource):
            raise v.InvalidInput(
                f"line {line.line_id}: supply source {line.source!r} is unknown "
                "(expected stock or production)"
            )
        v.optional_code(line.destination, f"destination of line {line.line_id}")
        if line.source is SupplySource.PRODUCTION and not line.due_at_ms:
            raise v.InvalidInput(f"line {line.line_id}: a production line needs a due time")
    return reservation_id


@dataclass(frozen=True)
class CheckedReserve:
    """A reserve command that passed validation, with its canonical id and payload hash."""

    command: ReserveCommand
    reservation_id: str
    digest: str


def check(command: ReserveCommand) -> CheckedReserve:
    reservation_id = validate_command(command)
    digest = payload_hash({**_plain_command(command), "reservation_id": reservation_id})
    return CheckedReserve(command, reservation_id, digest)


def reserve(uow: SqlUnitOfWork, ctx: NodeContext, command: ReserveCommand) -> ReservationView:
    (result,) = reserve_many(uow, ctx, [check(command)])
    if isinstance(result, NodeError):
        raise result
    return result


@dataclass
class _Batch:
    """What one reserve transaction has locked, read and decided so far."""

    rows: dict[str, PartRow]
    lots: dict[int, list[Lot]]
    reservations: list[dict[str, object]] = field(default_factory=list)
    lines: list[dict[str, object]] = field(default_factory=list)
    holds: list[dict[str, object]] = field(default_factory=list)
    production: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def reserve_many(
    uow: SqlUnitOfWork, ctx: NodeContext, commands: Sequence[CheckedReserve]
) -> list[ReservationView | NodeError]:
    """Reserve several commands in one transaction; each succeeds or fails on its own.

    Every part of the batch is locked up front in sorted order; a command that cannot be
    served raises before it changes anything, so the others are unaffected.
    """
    session = uow.session
    existing = {
        r.reservation_id: r
        for r in repo.reservations(session, {c.reservation_id for c in commands})
    }
    fresh = [c for c in commands if c.reservation_id not in existing]
    rows = repo.lock_parts(session, {line.part_number for c in fresh for line in c.command.lines})
    now = uow.now_ms
    overdue = {
        pool.part_id
        for _, pool, _ in rows.values()
        if pool.next_hold_expiry_at_ms is not None and pool.next_hold_expiry_at_ms <= now
    }
    if overdue:
        raise SweepFirst(overdue)
    batch = _Batch(rows, repo.lots_of(session, [part.id for part, _, _ in rows.values()]))
    made: dict[str, tuple[str, ReservationView]] = {}
    touched: set[str] = set()
    results: list[ReservationView | NodeError] = []
    for checked in commands:
        try:
            if checked.reservation_id in existing:
                view = _replay(uow, ctx, existing[checked.reservation_id], checked.digest)
            elif checked.reservation_id in made:
                view = _replay_made(checked, *made[checked.reservation_id])
            else:
                view = _reserve_locked(uow, ctx, checked, batch)
                made[checked.reservation_id] = (checked.digest, view)
                touched |= {line.part_number for line in checked.command.lines}
            results.append(view)
        except NodeError as error:
            results.append(error)
    # Bulk inserts, parents first: three statements for the whole batch.
    for model, values in (
        (Reservation, batch.reservations),
        (ReservationLine, batch.lines),
        (ReservationLot, batch.holds),
    ):
        insert_rows(session, table_of(model), values)
    for number in sorted(touched):
        part, pool, _ = rows[number]
        pool_share.refresh(uow, ctx, part, pool, batch.lots[part.id], actor=ALLIANCE_ACTOR)
    return results


def _replay_made(checked: CheckedReserve, digest: str, view: ReservationView) -> ReservationView:
    if digest != checked.digest:
        raise AlreadyExists(
            f"reservation {checked.reservation_id} already exists with a different payload; "
            "choose a new reservation id"
        )
    return view


def _reserve_locked(
    uow: SqlUnitOfWork, ctx: NodeContext, checked: CheckedReserve, batch: _Batch
) -> ReservationView:
    command, reservation_id = checked.command, checked.reservation_id
    rows, now = batch.rows, uow.now_ms
    _check_parts(command.lines, rows)
    _check_pool_free(uow, command.lines, rows, batch.lots)
    picks = _pick_lots(command.lines, rows, batch.lots, now)
    _check_production(uow, command.lines, rows, batch.production)

    expires_at = now + command.ttl_s * 1000
    batch.reservations.append(
        {
            "reservation_id": reservation_id,
            "plan_id": command.plan_id,
            "demand_id": command.demand_id,
            "state": ReservationState.PENDING.value,
            "payload_hash": checked.digest,
            "ttl_s": command.ttl_s,
            "created_at_ms": now,
            "expires_at_ms": expires_at,
            "state_changed_at_ms": now,
            "sales_order_number": "",
            "state_reason": "",
        }
    )
    lines_out: list[ReservedLineView] = []
    for line_no, line in enumerate(command.lines):
        part, pool, capacity = rows[line.part_number]
        price, currency = line_price(ctx, part, capacity)
        batch.lines.append(
            {
                "reservation_id": reservation_id,
                "line_id": line.line_id,
                "line_no": line_no,
                "part_id": part.id,
                "part_number": part.part_number,
                "quantity": line.quantity,
                "unit_of_measure": part.unit_of_measure,
                "source": line.source.value,
                "due_at_ms": line.due_at_ms,
                "destination": line.destination,
                "unit_price_micros": price,
                "currency": currency,
            }
        )
        line_picks = picks.get(line.line_id, [])
        for lot, quantity in line_picks:
            batch.holds.append(
                {
                    "reservation_id": reservation_id,
                    "line_id": line.line_id,
                    "lot_id": lot.id,
                    "lot_number": lot.lot_number,
                    "quantity": quantity,
                }
            )
            lot.reserved += quantity
        if line.source is SupplySource.STOCK:
            pool.reserved_quantity += line.quantity
        else:
            pool.production_reserved_quantity += line.quantity
            batch.production[part.id] += line.quantity
        if pool.next_hold_expiry_at_ms is None or expires_at < pool.next_hold_expiry_at_ms:
            pool.next_hold_expiry_at_ms = expires_at
        lines_out.append(
            ReservedLineView(
                line.line_id,
                part.part_number,
                line.quantity,
                part.unit_of_measure,
                line.source,
                tuple(pick_view(lot, q) for lot, q in line_picks),
                price,
                currency,
            )
        )
    view = ReservationView(
        reservation_id=reservation_id,
        plan_id=command.plan_id,
        demand_id=command.demand_id,
        member_id=ctx.member_id,
        state=ReservationState.PENDING,
        lines=tuple(lines_out),
        created_at_ms=now,
        expires_at_ms=expires_at,
        state_changed_at_ms=now,
    )
    uow.record("reservation.reserved", "reservation", reservation_id, view, actor=ALLIANCE_ACTOR)
    return view


def _plain_command(command: ReserveCommand) -> dict[str, object]:
    return {
        "plan_id": command.plan_id,
        "demand_id": command.demand_id,
        "ttl_s": command.ttl_s,
        "lines": [
            [
                line.line_id,
                line.part_number,
                line.quantity,
                line.unit_of_measure,
                line.source.value,
                line.due_at_ms,
                line.destination,
            ]
            for line in command.lines
        ],
    }


def _replay(
    uow: SqlUnitOfWork, ctx: NodeContext, existing: Reservation, digest: str
) -> ReservationView:
    if existing.payload_hash != digest:
        raise AlreadyExists(
            f"reservation {existing.reservation_id} already exists with a different payload "
            f"(plan {existing.plan_id!r}, demand {existing.demand_id!r}); "
            "choose a new reservation id"
        )
    return load_view(uow, ctx, existing)


def _check_parts(lines: Sequence[ReserveLineIn], rows: dict[str, PartRow]) -> None:
    for line in lines:
        if line.part_number not in rows:
            raise NotFound(f"part {line.part_number} is not known to this node")
        part = rows[line.part_number][0]
        v.same_unit(line.unit_of_measure, part.unit_of_measure, part.part_number)


def _check_pool_free(
    uow: SqlUnitOfWork,
    lines: Sequence[ReserveLineIn],
    rows: dict[str, PartRow],
    lots: dict[int, list[Lot]],
) -> None:
    asked: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.source is SupplySource.STOCK:
            asked[line.part_number] += line.quantity
    for part_number, quantity in sorted(asked.items()):
        part, pool, _ = rows[part_number]
        stock = pool_share.stock_summary(lots[part.id], uow.now_ms)
        numbers = pool_share.current_numbers(uow, pool, stock)
        if quantity > numbers.free:
            raise PreconditionFailed(shortfall_note(quantity, numbers, stock, part_number))


def _pick_lots(
    lines: Sequence[ReserveLineIn],
    rows: dict[str, PartRow],
    lots: dict[int, list[Lot]],
    now_ms: int,
) -> dict[str, list[tuple[Lot, int]]]:
    """FEFO lot holds per stock line; earlier lines of the request pick first."""
    today = utc_date(now_ms)
    taken: dict[int, int] = defaultdict(int)
    picks: dict[str, list[tuple[Lot, int]]] = {}
    for line in lines:
        if line.source is not SupplySource.STOCK:
            continue
        part = rows[line.part_number][0]
        ordered = sorted(lots[part.id], key=lambda lot: fefo_key(pool_share.lot_stock(lot)))
        remaining = line.quantity
        chosen: list[tuple[Lot, int]] = []
        for lot in ordered:
            free = pool_share.lot_stock(lot).free(today) - taken[lot.id]
            take = min(free, remaining)
            if take > 0:
                chosen.append((lot, take))
                taken[lot.id] += take
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            raise PreconditionFailed(
                f"line {line.line_id}: asked {line.quantity} of part {part.part_number}, "
                f"released unexpired lots hold only {line.quantity - remaining} unreserved"
            )
        picks[line.line_id] = chosen
    return picks


def _check_production(
    uow: SqlUnitOfWork,
    lines: Sequence[ReserveLineIn],
    rows: dict[str, PartRow],
    made_in_batch: dict[int, int],
) -> None:
    production = [line for line in lines if line.source is SupplySource.PRODUCTION]
    if not production:
        return
    session = uow.session
    part_ids = {rows[line.part_number][0].id for line in production}
    outstanding = repo.outstanding_production(session, part_ids, uow.now_ms)
    for part_id, quantity in made_in_batch.items():  # not inserted yet
        outstanding[part_id] = outstanding.get(part_id, 0) + quantity
    lanes = repo.lanes(session, {line.destination for line in production if line.destination})
    for line in production:
        part, _, capacity = rows[line.part_number]
        lane = lanes.get(line.destination)
        transit_hours = lane.transit_time_hours if lane else 0
        assert line.due_at_ms is not None  # checked by validate_command
        producible = producible_quantity(
            capacity_of(capacity),
            now_ms=uow.now_ms,
            due_at_ms=line.due_at_ms,
            transit_hours=transit_hours,
            outstanding=outstanding.get(part.id, 0),
        )
        if line.quantity > producible:
            raise PreconditionFailed(
                f"line {line.line_id}: asked {line.quantity} of part {part.part_number} from "
                f"production by {line.due_at_ms} ms, producible {producible}: "
                + production_note(capacity, transit_hours, outstanding.get(part.id, 0))
            )
        outstanding[part.id] = outstanding.get(part.id, 0) + line.quantity
