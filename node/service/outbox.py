"""Reading the transactional outbox in sequence order (the audit log consumes every event).

Event types and their payloads (compact JSON, sorted keys; money in micros, times in ms):
  pool_share.changed        PoolShareView
  reservation.reserved      ReservationView
  reservation.confirmed     {reservation, sales_order_number, movements, receivable_micros,
                             cost_of_goods_sold_micros}
  reservation.released|expired  {reservation, reason}
  stock.purchase_received   {receipt, result}        stock.sales_shipped  {shipment, result}
  stock.transferred         {transfer, movements}
  stock.counted             {count, book_quantity, movements}
  lot.quality_changed, part.upserted, location.upserted, capacity.set, shipping_lane.set,
  safety_stock.set, pool_policy.set, node.initialized
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from node.adapters.orm import OutboxEvent
from node.adapters.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class OutboxRecord:
    sequence: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    part_number: str | None
    occurred_at_ms: int
    actor: str
    payload_json: str


def events_after(uow: SqlUnitOfWork, sequence: int, limit: int) -> list[OutboxRecord]:
    rows = uow.session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.sequence > sequence)
        .order_by(OutboxEvent.sequence)
        .limit(max(1, min(limit, 10_000)))
    )
    return [
        OutboxRecord(
            row.sequence,
            row.event_type,
            row.aggregate_type,
            row.aggregate_id,
            row.part_number,
            row.occurred_at_ms,
            row.actor,
            row.payload,
        )
        for row in rows
    ]
