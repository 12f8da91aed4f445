"""A solver-neutral sparse mixed-integer model that every backend translates from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

INF = float("inf")
Status = Literal["optimal", "feasible", "none"]


@dataclass(slots=True)
class Row:
    variables: list[int]
    # Integers, so CP-SAT takes the row as is; only an objective cutoff (for CBC) has the
    # objective's float costs.
    coefficients: list[float]
    lower: float
    upper: float
    name: str


@dataclass(slots=True)
class LinearModel:
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    hint: dict[int, float] | None = None  # a partial start: variable -> value

    def add_var(
        self, name: str, upper: float, cost: float = 0.0, integer: bool = False,
        lower: float = 0.0,
    ) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        self.integer.append(integer)
        self.names.append(name)
        return len(self.lower) - 1

    def add_row(
        self, name: str, terms: dict[int, int], lower: float = -INF, upper: float = INF
    ) -> int:
        variables = sorted(terms)
        self.rows.append(Row(variables, [terms[v] for v in variables], lower, upper, name))
        return len(self.rows) - 1

    @property
    def num_vars(self) -> int:
        return len(self.lower)

    def objective_of(self, values: list[float]) -> float:
        return sum(c * v for c, v in zip(self.cost, values, strict=True))

    def with_objective_cutoff(self, most: float) -> LinearModel:
        """The same model without the solutions that cost more than `most` (one more row):
        what a solver that takes no starting solution needs to prune as if it had one."""
        columns = [v for v, c in enumerate(self.cost) if c]
        cutoff = Row(columns, [self.cost[v] for v in columns], -INF, most, "cutoff")
        return LinearModel(
            self.lower, self.upper, self.cost, self.integer, self.names, [*self.rows, cutoff],
            self.hint,
        )


@dataclass(frozen=True, slots=True)
class MipLimits:
    time_limit_s: float
    relative_gap: float
    use_hint: bool = True


@dataclass(slots=True)
class MipResult:
    status: Status
    values: list[float] | None
    objective: float
    bound: float
    backend: str
    duals: list[float] | None = None  # LP solves only: one per row
