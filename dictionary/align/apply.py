"""Loads a checked stock export into a node as opening-stock receipts: all rows or none."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dictionary.align.check import FILE, CheckReport, Record, RowError
from node.service import api

SPLIT = {  # stock columns that carry one quality status each
    "unrestricted_quantity": api.QualityStatus.RELEASED,
    "quarantine_quantity": api.QualityStatus.QUARANTINE,
    "blocked_quantity": api.QualityStatus.BLOCKED,
}
NEEDED = {
    "location": ("location_id", "warehouse_id"),
    "unit": ("unit_of_measure",),
    "cost": ("unit_cost",),
    "currency": ("currency_code",),
}


@dataclass
class ApplyResult:
    receipts: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def receipts_for(
    report: CheckReport, source_digest: str, actor: str
) -> tuple[list[tuple[int, api.ReceiptIn]], list[RowError]]:
    """Each record as one receipt per quality status it holds units of."""
    if report.kind != "stock":
        return [], [
            RowError(
                FILE,
                None,
                None,
                report.kind,
                f"apply loads stock exports only; this mapping's kind is {report.kind!r}",
            )
        ]
    errors = _needed(report.records)
    if errors:
        return [], errors
    receipts: list[tuple[int, api.ReceiptIn]] = []
    status_of_lot: dict[tuple[str, str], tuple[api.QualityStatus, int]] = {}
    for record in report.records:
        for status, quantity in _buckets(record, errors):
            if quantity <= 0:
                continue
            lot = (record.values["part_number"], record.values.get("lot_number", ""))
            first = status_of_lot.setdefault(lot, (status, record.row))
            if first[0] is not status:
                errors.append(_mixed_lot(record, lot, first, status))
                continue
            receipt = _receipt(record, status, quantity, source_digest, actor)
            receipts.append((record.row, receipt))
    return receipts, errors


def _mixed_lot(
    record: Record,
    lot: tuple[str, str],
    first: tuple[api.QualityStatus, int],
    status: api.QualityStatus,
) -> RowError:
    # The node decides quality per lot; booking one lot under two statuses would silently
    # move units between them.
    where = f"row {first[1]}" if first[1] != record.row else "the same row"
    return RowError(
        record.row,
        None,
        "quality_status",
        status.value,
        f"lot {lot[1] or '(none)'} of part {lot[0]} has {status.value} units and "
        f"{first[0].value} units ({where}); a node keeps one quality status per lot",
    )


def apply(service: api.NodeService, report: CheckReport, source: bytes, actor: str) -> ApplyResult:
    """Books the receipts in one transaction; on any refusal nothing is booked."""
    result = ApplyResult(rows=len(report.records))
    if not report.ok:
        result.errors = list(report.errors)
        return result
    digest = hashlib.sha256(source).hexdigest()[:12]
    receipts, errors = receipts_for(report, digest, actor)
    if errors:
        result.errors = errors
        return result
    if not receipts:
        result.errors = [RowError(FILE, None, None, "", "no row holds any stock to receive")]
        return result
    try:
        service.receive_many([r for _, r in receipts])
    except api.NodeError as exc:
        row = _row_named(str(exc), receipts)
        result.errors = [
            RowError(row, None, None, "", f"the node refused the import, nothing was booked: {exc}")
        ]
        return result
    result.receipts = len(receipts)
    return result


def _needed(records: Sequence[Record]) -> list[RowError]:
    errors = []
    for record in records:
        for elements in NEEDED.values():
            if not any(record.values.get(e) not in (None, "") for e in elements):
                names = " or ".join(elements)
                errors.append(
                    RowError(
                        record.row,
                        None,
                        elements[0],
                        "",
                        f"a receipt needs {names}: map a column or add it to the defaults",
                    )
                )
        if len(errors) >= 20:
            break
    return errors


def _buckets(record: Record, errors: list[RowError]) -> list[tuple[api.QualityStatus, int]]:
    v = record.values
    if any(e in v for e in SPLIT):
        if "unrestricted_quantity" in v:
            released = v["unrestricted_quantity"]
        else:
            released = (
                v.get("quantity_on_hand", 0)
                - v.get("quarantine_quantity", 0)
                - v.get("blocked_quantity", 0)
            )
        if released < 0:
            errors.append(
                RowError(
                    record.row,
                    None,
                    "quantity_on_hand",
                    str(v.get("quantity_on_hand")),
                    "on hand is less than quality inspection plus blocked stock",
                )
            )
            return []
        return [
            (api.QualityStatus.RELEASED, released),
            (api.QualityStatus.QUARANTINE, v.get("quarantine_quantity", 0)),
            (api.QualityStatus.BLOCKED, v.get("blocked_quantity", 0)),
        ]
    status = api.QualityStatus(v.get("quality_status", "released"))
    return [(status, v.get("quantity_on_hand", 0))]


def _receipt(
    record: Record, status: api.QualityStatus, quantity: int, digest: str, actor: str
) -> api.ReceiptIn:
    v: dict[str, Any] = record.values
    return api.ReceiptIn(
        # Derived from the file and row: applying the same file again books nothing new.
        movement_id=f"align-{digest}-{record.row}-{status.value}",
        purchase_order_number=v.get("purchase_order_number") or "OPENING-STOCK",
        part_number=v["part_number"],
        quantity=quantity,
        unit_of_measure=v["unit_of_measure"],
        location_id=v.get("location_id") or v["warehouse_id"],
        lot_number=v.get("lot_number", ""),
        unit_cost_micros=int(v["unit_cost"]),
        currency=v["currency_code"],
        actor=actor,
        production_date=v.get("production_date"),
        expiry_date=v.get("expiry_date"),
        quality_status=status,
    )


def _row_named(message: str, receipts: list[tuple[int, api.ReceiptIn]]) -> int:
    """The row a node error most likely concerns: its movement id, else its part and lot."""
    for row, receipt in receipts:
        if receipt.movement_id in message:
            return row
    for row, receipt in receipts:
        named = f"'{receipt.part_number}'" in message or f" {receipt.part_number}" in message
        if named and (not receipt.lot_number or receipt.lot_number in message):
            return row
    return FILE
