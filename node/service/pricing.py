"""The price a node asks for a part: its production price when capacity is set, else list price."""

from __future__ import annotations

from node.adapters.orm import Capacity, Part
from node.service.context import NodeContext


def line_price(ctx: NodeContext, part: Part, capacity: Capacity | None) -> tuple[int, str]:
    if capacity is not None and capacity.unit_price_micros > 0:
        return capacity.unit_price_micros, capacity.currency
    return part.list_price_micros, part.currency or ctx.currency
