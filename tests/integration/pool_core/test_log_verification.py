"""The coordinator verifies its own log offline, on a schedule, and says when and how it went:
a log that verifies, then one whose stored entry was altered (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from audit.ed25519 import Signer
from audit.schema import audit_entry, audit_log
from pool.adapters import orm
from pool.domain.clock import ManualClock
from pool.service.api import MemberIn
from pool.service.factory import open_coordinator
from pool.settings import PoolSettings
from tests.integration.pool_core.conftest import OPERATOR


def _alter_one_entry(database_url: str, origin: str) -> int:
    """Flip one byte of a stored statement, as someone editing the database would."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            log_id = conn.execute(
                sa.select(audit_log.c.log_id).where(audit_log.c.origin == origin)
            ).scalar_one()
            index, statement = conn.execute(
                sa.select(audit_entry.c.leaf_index, audit_entry.c.statement)
                .where(audit_entry.c.log_id == log_id)
                .order_by(audit_entry.c.leaf_index.desc())
                .limit(1)
            ).one()
            altered = bytes(statement).replace(b"127.0.0.1:1", b"127.0.0.1:2")
            assert altered != bytes(statement)
            conn.execute(
                sa.update(audit_entry)
                .where(audit_entry.c.log_id == log_id, audit_entry.c.leaf_index == index)
                .values(statement=altered)
            )
            return int(index)
    finally:
        engine.dispose()


def test_the_coordinator_records_each_offline_verification_of_its_log(
    settings: PoolSettings,
) -> None:
    clock = ManualClock()
    pool = open_coordinator(settings, clock=clock)
    try:
        assert pool.audit_status(OPERATOR).last_verified_at_ms is None
        for member_id in ("S01", "S02"):
            key = Signer.generate().public_key
            pool.register_member(OPERATOR, MemberIn(member_id, "Supplier", "127.0.0.1:1", key))

        first = pool.runtime.verifier.verify()
        assert first.ok, first.detail
        status = pool.audit_status(OPERATOR)
        assert (status.last_verified_at_ms, status.last_verification_ok) == (clock.now_ms(), True)
        assert "every signature verifies" in status.last_verification_detail

        index = _alter_one_entry(settings.database_url, settings.audit_log_origin)
        clock.advance(seconds=60)
        second = pool.runtime.verifier.verify()
        assert not second.ok
        status = pool.audit_status(OPERATOR)
        assert (status.last_verified_at_ms, status.last_verification_ok) == (clock.now_ms(), False)
        assert f"entry {index}" in status.last_verification_detail
        with pool.ctx.sessions() as s:
            runs = s.scalars(sa.select(orm.AuditVerification.ok)).all()
        assert runs == [True, False]
    finally:
        pool.close()
