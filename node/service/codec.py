"""Plain-data encoding of views and commands: outbox payloads, stored results, payload hashes."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from node.service.api import (
    LotPick,
    MovementType,
    MovementView,
    PoolShareView,
    QualityStatus,
    ReceiptResult,
    ShipmentResult,
)

_SCALARS = (str, int, float, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names (hot path)


def plain(value: Any) -> Any:
    """Dataclasses, enums, decimals, dates and bytes as JSON-ready values."""
    if isinstance(value, _SCALARS):
        return value
    names = _FIELD_NAMES.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[type(value)] = tuple(
            f.name for f in dataclasses.fields(value) if f.metadata.get("encoded", True)
        )
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Compact JSON with sorted keys: the same value always gives the same text."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(value: Any) -> str:
    return hashlib.sha256(dumps(value).encode()).hexdigest()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def pool_share_from(data: dict[str, Any]) -> PoolShareView:
    return PoolShareView(
        member_id=data["member_id"],
        part_number=data["part_number"],
        unit_of_measure=data["unit_of_measure"],
        safety_stock_quantity=data["safety_stock_quantity"],
        pool_fraction=Decimal(data["pool_fraction"]),
        contributed_quantity=data["contributed_quantity"],
        reserved_quantity=data["reserved_quantity"],
        free_quantity=data["free_quantity"],
        opted_out=data["opted_out"],
        updated_at_ms=data["updated_at_ms"],
    )


def lot_pick_from(data: dict[str, Any]) -> LotPick:
    return LotPick(
        data["lot_number"],
        data["quantity"],
        _date(data["expiry_date"]),
        _date(data["production_date"]),
    )


def movement_from(data: dict[str, Any]) -> MovementView:
    return MovementView(**{**data, "type": MovementType(data["type"])})


def movements_from(data: list[dict[str, Any]]) -> tuple[MovementView, ...]:
    return tuple(movement_from(m) for m in data)


def receipt_result_from(data: dict[str, Any]) -> ReceiptResult:
    return ReceiptResult(
        movements_from(data["movements"]),
        data["payable_micros"],
        data["moving_average_cost_micros"],
    )


def shipment_result_from(data: dict[str, Any]) -> ShipmentResult:
    return ShipmentResult(
        movements_from(data["movements"]),
        data["receivable_micros"],
        data["cost_of_goods_sold_micros"],
    )


def quality_from(value: str) -> QualityStatus:
    return QualityStatus(value)


def loads(text: str) -> Any:
    return json.loads(text)
