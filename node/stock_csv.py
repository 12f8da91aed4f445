"""Opening stock from a CSV file: rows → purchase receipts, with errors naming line and column."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from node.service import api

# column -> (required, what it holds); the order is the documented column order.
COLUMNS: dict[str, tuple[bool, str]] = {
    "part_number": (True, "alliance part number; the part must exist (`alliance node part add`)"),
    "quantity": (True, "positive whole number in the part's unit"),
    "unit_of_measure": (True, "UN/CEFACT Rec 20 code, must be the part's unit (C62, KGM, ...)"),
    "location_id": (True, "storage location; must exist (`alliance node location add`)"),
    "lot_number": (False, "lot or batch; required for lot-tracked parts"),
    "production_date": (False, "YYYY-MM-DD"),
    "expiry_date": (False, "YYYY-MM-DD; empty: production date + the part's shelf life"),
    "unit_cost": (True, "purchase cost per unit in currency units, e.g. 12.40"),
    "currency": (False, "ISO 4217 code; default EUR"),
    "purchase_order_number": (False, "default OPENING-STOCK"),
    "quality_status": (False, "released (default), quarantine or blocked"),
    "movement_id": (False, "default: derived from the file and line, so a re-import books nothing"),
}

MICROS = Decimal(1_000_000)


class StockCsvError(Exception):
    """A row or the header of the file is wrong; nothing was imported."""


@dataclass(frozen=True)
class StockRow:
    line: int  # line number in the file, the header being line 1
    receipt: api.ReceiptIn


def columns_help() -> str:
    return "\n".join(
        f"{name}{'' if required else ' (optional)'}: {what}"
        for name, (required, what) in COLUMNS.items()
    )


def money_micros(text: str, where: str) -> int:
    """A decimal amount in currency units as integer micro-units; refuses sub-micro digits."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise StockCsvError(f"{where}: {text!r} is not a decimal amount") from None
    micros = value * MICROS
    if not value.is_finite() or micros != micros.to_integral_value():
        raise StockCsvError(f"{where}: {text!r} is not an amount with at most 6 decimals")
    if micros < 0:
        raise StockCsvError(f"{where}: {text!r} must not be negative")
    return int(micros)


def read_stock_csv(text: str, *, source: str, actor: str) -> list[StockRow]:
    """Every row as a receipt, or StockCsvError for the first bad header or cell."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise StockCsvError(f"{source} line 1: unknown column(s) {', '.join(unknown)}")
    missing = [c for c, (required, _) in COLUMNS.items() if required and c not in header]
    if missing:
        raise StockCsvError(f"{source} line 1: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header
    rows = []
    for record in reader:
        line = reader.line_num
        if None in record:
            raise StockCsvError(f"{source} line {line}: more cells than columns")
        cells = {k: (v or "").strip() for k, v in record.items()}
        if not any(cells.values()):
            continue
        rows.append(StockRow(line, _receipt(cells, f"{source} line {line}", digest, actor)))
    if not rows:
        raise StockCsvError(f"{source}: no rows to import")
    return rows


def _receipt(cells: dict[str, str], where: str, digest: str, actor: str) -> api.ReceiptIn:
    for column, (required, _) in COLUMNS.items():
        if required and not cells.get(column):
            raise StockCsvError(f"{where}, column {column}: a value is required")
    quantity_text = cells["quantity"]
    if not quantity_text.lstrip("-").isdigit() or int(quantity_text) <= 0:
        raise StockCsvError(
            f"{where}, column quantity: {quantity_text!r} is not a positive whole number"
        )
    status_text = cells.get("quality_status") or "released"
    try:
        status = api.QualityStatus(status_text.lower())
    except ValueError:
        raise StockCsvError(
            f"{where}, column quality_status: {status_text!r} is not released, quarantine "
            "or blocked"
        ) from None
    line_no = where.rsplit(" ", 1)[-1]
    return api.ReceiptIn(
        movement_id=cells.get("movement_id") or f"import-{digest}-{line_no}",
        purchase_order_number=cells.get("purchase_order_number") or "OPENING-STOCK",
        part_number=cells["part_number"],
        quantity=int(quantity_text),
        unit_of_measure=cells["unit_of_measure"],
        location_id=cells["location_id"],
        lot_number=cells.get("lot_number", ""),
        unit_cost_micros=money_micros(cells["unit_cost"], f"{where}, column unit_cost"),
        currency=cells.get("currency") or "EUR",
        actor=actor,
        production_date=_date(cells.get("production_date", ""), f"{where}, column production_date"),
        expiry_date=_date(cells.get("expiry_date", ""), f"{where}, column expiry_date"),
        quality_status=status,
    )


def _date(text: str, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StockCsvError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None


def check_parts(rows: list[StockRow], units: dict[str, str], source: str) -> None:
    """Refuse the first row whose part is unknown or counted in another unit than the part's."""
    for row in rows:
        receipt = row.receipt
        unit = units.get(receipt.part_number)
        if unit is None:
            raise StockCsvError(
                f"{source} line {row.line}, column part_number: unknown part "
                f"{receipt.part_number!r}; add it first with `alliance node part add`"
            )
        if receipt.unit_of_measure != unit:
            raise StockCsvError(
                f"{source} line {row.line}, column unit_of_measure: {receipt.unit_of_measure!r} "
                f"is not the unit of {receipt.part_number} ({unit})"
            )


def row_named_in(message: str, rows: list[StockRow]) -> StockRow | None:
    """The row a use-case error is most likely about: the one whose cells the message names most."""
    fields = ("movement_id", "part_number", "lot_number", "location_id", "unit_of_measure")

    def score(row: StockRow) -> int:
        values = (str(getattr(row.receipt, f)) for f in fields)
        return sum(1 for v in values if v and (f"'{v}'" in message or f" {v}" in message))

    best = max(rows, key=score, default=None)
    return best if best is not None and score(best) else None
