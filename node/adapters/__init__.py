"""Adapters of the node's core to the outside world: SQL storage."""
