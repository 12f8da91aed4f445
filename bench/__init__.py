"""Benchmarks that print figures (`make bench`). Targets live here, never in timed tests."""
