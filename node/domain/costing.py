"""Moving-average valuation of a part's stock in exact integer micro-units.

The node keeps the stock *value* exactly (sum of receipts at cost minus issues at value) and
derives the moving-average cost from it: MAC = value / quantity rounded half-to-even to one
micro-unit. Issues are valued at value x issued / quantity, also rounded half-to-even, so the
last issue of a part takes exactly the remaining value and no rounding residue is ever left.
"""

from __future__ import annotations

from dataclasses import dataclass


def div_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even, exact for any integers (denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


@dataclass(frozen=True)
class Valuation:
    quantity: int
    value_micros: int
    moving_average_cost_micros: int

    def receive(self, quantity: int, unit_cost_micros: int) -> Valuation:
        new_quantity = self.quantity + quantity
        new_value = self.value_micros + quantity * unit_cost_micros
        return Valuation(new_quantity, new_value, div_half_even(new_value, new_quantity))

    def issue_value(self, quantity: int) -> int:
        """Value leaving stock with `quantity` units."""
        if self.quantity <= 0:
            return quantity * self.moving_average_cost_micros
        if quantity >= self.quantity:
            return self.value_micros + (quantity - self.quantity) * self.moving_average_cost_micros
        return div_half_even(self.value_micros * quantity, self.quantity)

    def issue(self, quantity: int) -> tuple[Valuation, int]:
        """The valuation after `quantity` units leave, and their value."""
        value = self.issue_value(quantity)
        new_quantity = self.quantity - quantity
        new_value = self.value_micros - value
        if new_quantity <= 0:
            return Valuation(new_quantity, 0, self.moving_average_cost_micros), value
        return Valuation(new_quantity, new_value, div_half_even(new_value, new_quantity)), value

    def gain(self, quantity: int) -> tuple[Valuation, int]:
        """Units found (count correction up) are valued at the current moving-average cost."""
        value = quantity * self.moving_average_cost_micros
        return Valuation(
            self.quantity + quantity, self.value_micros + value, self.moving_average_cost_micros
        ), value
