"""Which failed requests are errors. The gate counts only `error`:

- `refused`: a business answer a correct system gives under contention: a node refusing a
  hold or a shipment for lack of free stock (FAILED_PRECONDITION), a retryable conflict
  (ABORTED), or a demand that failed because no member had any of it ("no member could
  supply any line" with every member asked). Reported, never counted. A demand that failed
  because members were left out (stale, missed the quote deadline) is not a refusal.
- `excused`: a transport-level failure (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, INTERNAL,
  UNKNOWN, HTTP 5xx or no connection) or a demand that failed or timed out, on a request
  that a fault could reach and that overlapped the fault's window: from injection until
  RECOVERY_GRACE_S after it was healed. A killed supplier's demand may fail; that is the
  fault doing its work, and the report shows how much of it there was.
- `error`: everything else, e.g. a 4xx the load test did not expect, a broken idempotent
  replay, NOT_FOUND for a hold the node had granted, or any failure outside a fault window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loadtest.injector import FaultEvent
from loadtest.report.records import Request

RECOVERY_GRACE_S = 10.0  # gRPC reconnect back-off (<= 2 s), a node's boot, re-planning
REFUSALS = ("grpc FAILED_PRECONDITION", "grpc ABORTED", "demand failed: no member could supply")
FAULT_SYMPTOMS = (
    "grpc UNAVAILABLE",
    "grpc DEADLINE_EXCEEDED",
    "grpc CANCELLED",
    "grpc INTERNAL",
    "grpc UNKNOWN",
    "http transport",
    "http 5",
    "demand failed",
    "demand timeout",
)
OK, REFUSED, EXCUSED, ERROR = "ok", "refused", "excused", "error"


@dataclass(frozen=True)
class Window:
    """Where and when one fault could cause failures (epoch seconds)."""

    kind: str
    target: str
    starts_s: float
    ends_s: float  # healed + grace

    def reaches(self, request: Request) -> bool:
        if request.end_s < self.starts_s or request.start_s > self.ends_s:
            return False
        if self.kind == "pg-restart":
            return True  # every node and the coordinator keep their state there
        if self.kind == "coordinator-kill":
            return request.target == "coordinator"
        if request.type == "flow":
            return True  # a plan may draw on any member
        # A node's proxy sits only on the coordinator's link; a kill reaches every caller.
        return self.kind == "node-kill" and request.target == self.target


def windows(events: Sequence[FaultEvent], load_started_at: float) -> list[Window]:
    out = []
    open_: dict[tuple[str, str], FaultEvent] = {}
    for event in events:
        key = (event.kind, event.target)
        if event.phase == "inject" and event.kind != "pg-restart":
            open_[key] = event
            continue
        start = open_.pop(key, event)
        healed = event.at_s + event.took_s
        out.append(
            Window(
                event.kind,
                event.target,
                load_started_at + start.at_s,
                load_started_at + healed + RECOVERY_GRACE_S,
            )
        )
    for event in open_.values():  # never healed: reaches to the end
        out.append(Window(event.kind, event.target, load_started_at + event.at_s, float("inf")))
    return out


def classify(request: Request, fault_windows: Sequence[Window]) -> str:
    if request.ok:
        return OK
    if request.error.startswith(REFUSALS):
        return REFUSED
    if request.error.startswith(FAULT_SYMPTOMS) and any(w.reaches(request) for w in fault_windows):
        return EXCUSED
    return ERROR
