"""Load, faults and invariants across the whole alliance chain (issue 7): `python -m loadtest`."""
