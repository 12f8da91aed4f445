"""Allocation optimizer: a typed PlanRequest in, a validated, explained Plan out (no I/O)."""

from optimizer.plan import Plan
from optimizer.request import PlanRequest
from optimizer.solver import InvalidPlanError, solve
from optimizer.validator import validate_plan

__all__ = ["InvalidPlanError", "Plan", "PlanRequest", "solve", "validate_plan"]
