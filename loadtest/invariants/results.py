"""One invariant's verdict: pass or fail, what was looked at, and every violation found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_DETAILS = 50  # enough to act on; the count says how many there were


@dataclass(frozen=True)
class CheckResult:
    name: str
    rule: str
    checked: str  # what was looked at, e.g. "12 nodes, 41,230 reservations"
    violations: int
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.violations == 0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        fields = {k: v for k, v in data.items() if k != "passed"}
        return cls(**fields)


def verdict(name: str, rule: str, checked: str, problems: list[str]) -> CheckResult:
    return CheckResult(name, rule, checked, len(problems), problems[:MAX_DETAILS])
