"""Pydantic request/response models of the HTTP API (protocol types stop at the edge)."""
