"""Tests of the load-test tooling (loadtest/): schedules, proxy, report, invariant checker."""
