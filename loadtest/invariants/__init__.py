"""Invariants of the alliance after a load run, checked from the databases themselves."""

from loadtest.invariants.results import CheckResult
from loadtest.invariants.runner import check_alliance

__all__ = ["CheckResult", "check_alliance"]
