"""Who sees which pool numbers: suppliers their own cells and the totals, automakers the free
totals only, operators everything."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pool.service.api import Forbidden, PartPool, PoolCell, Principal, Role


def part_pools(principal: Principal, cells: Iterable[PoolCell]) -> list[PartPool]:
    by_part: dict[str, list[PoolCell]] = defaultdict(list)
    for cell in cells:
        by_part[cell.part_number].append(cell)
    pools = []
    for part, part_cells in sorted(by_part.items()):
        visible = tuple(c for c in part_cells if may_see_cell(principal, c.member_id))
        contributed = sum(c.contributed_quantity for c in part_cells)
        reserved = sum(c.reserved_quantity for c in part_cells)
        free = sum(c.free_quantity for c in part_cells)
        if principal.role is Role.AUTOMAKER:
            # An automaker is entitled to what it can draw, not to how the pool is filled.
            contributed, reserved = 0, 0
        pools.append(
            PartPool(part, part_cells[0].unit_of_measure, contributed, reserved, free, visible)
        )
    return pools


def may_see_cell(principal: Principal, member_id: str) -> bool:
    if principal.role is Role.OPERATOR:
        return True
    return principal.role is Role.SUPPLIER and principal.subject == member_id


def require_operator(principal: Principal) -> None:
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only alliance operations staff may do this")


def may_see_demand(principal: Principal, tenant_id: str) -> bool:
    if principal.role is Role.OPERATOR:
        return True
    return principal.role is Role.AUTOMAKER and principal.subject == tenant_id
