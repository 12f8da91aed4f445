"""Time as the coordinator sees it: the node's injectable clocks, shared."""

from node.domain.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "ManualClock", "SystemClock"]
