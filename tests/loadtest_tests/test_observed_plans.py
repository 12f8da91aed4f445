"""What an automaker was shown is what the coordinator stored, holds in doubt included."""

from __future__ import annotations

from loadtest.invariants.plans import Allocation, CoordinatorFacts, _observed


def _facts(state_of_s04: str) -> CoordinatorFacts:
    facts = CoordinatorFacts()
    facts.status = {"D1": "confirmed"}
    facts.plan_of = {"D1": "P1"}
    facts.holds = {"R1": ("P1", "S01", "confirmed"), "R4": ("P1", "S04", state_of_s04)}
    facts.allocations["P1"] = [
        Allocation("R1", "S01", "BRK-1", "stock", 4, 70),
        Allocation("R4", "S04", "SEN-2", "stock", 13, 19),
    ]
    return facts


def _shown(state_of_s04: str) -> dict:
    allocation = {"member_id": "S01", "part_number": "BRK-1", "quantity": 4,
                  "unit_price_micros": 70, "reservation_id": "R1", "state": "confirmed"}
    doubtful = {**allocation, "member_id": "S04", "part_number": "SEN-2", "quantity": 13,
                "unit_price_micros": 19, "reservation_id": "R4", "state": state_of_s04}
    return {"demand_id": "D1", "status": "confirmed",
            "plan": {"plan_id": "P1", "allocations": [allocation, doubtful]}}


def test_a_hold_shown_in_doubt_counts_as_what_it_became() -> None:
    assert _observed(_facts("confirmed"), _shown("in_doubt")) == []
    assert _observed(_facts("refused"), _shown("in_doubt")) == []


def test_a_confirmed_hold_the_coordinator_does_not_have_is_a_violation() -> None:
    assert _observed(_facts("refused"), _shown("confirmed"))
    assert _observed(_facts("confirmed"), _shown("released"))
