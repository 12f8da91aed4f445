"""Alembic environment and revisions of the node's schema (SQLite and PostgreSQL)."""
