"""Alembic revisions of the coordinator schema."""
