"""Booking movements, balances and journal lines: the stock ledger and the finance it drives."""

from __future__ import annotations

from collections.abc import Sequence

from node.adapters import repository as repo
from node.adapters.orm import JournalLine, Lot, MovementRequest, Part, StockBalance, StockMovement
from node.adapters.unit_of_work import SqlUnitOfWork
from node.domain.costing import Valuation
from node.service.api import AlreadyExists, MovementType, MovementView, PreconditionFailed
from node.service.codec import dumps

INVENTORY = "1300-inventory"
RECEIVABLE = "1200-accounts-receivable"
PAYABLE = "2100-accounts-payable"
REVENUE = "4000-sales-revenue"
COGS = "5000-cost-of-goods-sold"
INVENTORY_DIFFERENCES = "5900-inventory-differences"


def replayed(uow: SqlUnitOfWork, movement_id: str, digest: str) -> str | None:
    """The stored result of an earlier request with this movement id, if the payload matches."""
    earlier = uow.session.get(MovementRequest, movement_id)
    if earlier is None:
        return None
    if earlier.payload_hash != digest:
        raise AlreadyExists(
            f"movement id {movement_id} was already used for a different {earlier.kind}; "
            "choose a new movement id"
        )
    return earlier.result


def remember(uow: SqlUnitOfWork, movement_id: str, kind: str, digest: str, result: object) -> None:
    uow.session.add(
        MovementRequest(
            movement_id=movement_id,
            kind=kind,
            payload_hash=digest,
            result=dumps(result),
            booked_at_ms=uow.now_ms,
        )
    )
    uow.session.flush()  # the ledger rows reference it


def book(
    uow: SqlUnitOfWork,
    *,
    movement_id: str,
    line_no: int,
    type: MovementType,
    part: Part,
    lot: Lot,
    location_id: str,
    delta: int,
    actor: str,
    reason: str,
    document_number: str,
    balance: StockBalance | None = None,
) -> MovementView:
    """One ledger line and the balance it changes, in the same transaction."""
    if balance is None:
        balance = repo.balance(uow.session, lot.id, location_id)
    if balance is None:
        balance = StockBalance(part_id=part.id, lot_id=lot.id, location_id=location_id, quantity=0)
        uow.session.add(balance)
    if balance.quantity + delta < 0:
        raise PreconditionFailed(
            f"location {location_id} holds {balance.quantity} of part {part.part_number} "
            f"lot {lot.lot_number}; cannot take {-delta}"
        )
    balance.quantity += delta
    lot.on_hand += delta
    uow.session.add(
        StockMovement(
            movement_id=movement_id,
            line_no=line_no,
            movement_type=type.value,
            part_id=part.id,
            lot_id=lot.id,
            location_id=location_id,
            quantity_delta=delta,
            booked_at_ms=uow.now_ms,
            actor=actor,
            reason=reason,
            document_number=document_number,
        )
    )
    return MovementView(
        movement_id,
        type,
        part.part_number,
        lot.lot_number,
        location_id,
        delta,
        uow.now_ms,
        actor,
        reason,
        document_number,
    )


def valuation(part: Part) -> Valuation:
    return Valuation(
        part.valuated_quantity, part.stock_value_micros, part.moving_average_cost_micros
    )


def set_valuation(part: Part, value: Valuation, now_ms: int) -> None:
    part.valuated_quantity = value.quantity
    part.stock_value_micros = value.value_micros
    part.moving_average_cost_micros = value.moving_average_cost_micros
    part.updated_at_ms = now_ms


def post(
    uow: SqlUnitOfWork,
    *,
    movement_id: str,
    document_number: str,
    debit: str,
    credit: str,
    amount_micros: int,
    currency: str,
    part: Part | None,
    counterparty_id: str,
) -> None:
    """A balanced journal entry: debit one account, credit another, same amount."""
    if amount_micros == 0:
        return
    if amount_micros < 0:
        debit, credit, amount_micros = credit, debit, -amount_micros
    for account, dr, cr in ((debit, amount_micros, 0), (credit, 0, amount_micros)):
        uow.session.add(
            JournalLine(
                movement_id=movement_id,
                document_number=document_number,
                account=account,
                debit_micros=dr,
                credit_micros=cr,
                currency=currency,
                part_id=part.id if part else None,
                counterparty_id=counterparty_id,
                booked_at_ms=uow.now_ms,
            )
        )


def issue_picks(
    uow: SqlUnitOfWork,
    *,
    movement_id: str,
    part: Part,
    picks: Sequence[tuple[Lot, int]],
    actor: str,
    reason: str,
    document_number: str,
    first_line_no: int = 1,
) -> list[MovementView]:
    """Sales issues of lot quantities, taken from each lot's locations in location order."""
    balances = repo.balances_of_lots(uow.session, [lot.id for lot, _ in picks])
    movements: list[MovementView] = []
    line_no = first_line_no
    for lot, quantity in picks:
        remaining = quantity
        for balance in balances.get(lot.id, []):
            take = min(balance.quantity, remaining)
            if take <= 0:
                continue
            movements.append(
                book(
                    uow,
                    movement_id=movement_id,
                    line_no=line_no,
                    type=MovementType.SALES_ISSUE,
                    part=part,
                    lot=lot,
                    location_id=balance.location_id,
                    delta=-take,
                    actor=actor,
                    reason=reason,
                    document_number=document_number,
                    balance=balance,
                )
            )
            line_no += 1
            remaining -= take
        if remaining:
            raise PreconditionFailed(
                f"lot {lot.lot_number} of part {part.part_number} is short by {remaining} "
                "across its locations"
            )
    return movements
