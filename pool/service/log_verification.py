"""Periodic offline verification of the coordinator's own log: export it as `alliance audit
export` does and verify the file as `alliance audit verify` does (every signature, the root
against the signed checkpoint, every cosignature, and that the log still extends the
checkpoint verified last time), then record when and with what result."""

from __future__ import annotations

import tempfile
from pathlib import Path

import structlog

from audit.export import ExportFormatError, write_export
from audit.store import AuditStoreError, LogReader
from audit.verify import TrustedKey, VerificationError, VerificationReport, verify_export
from pool.adapters import orm
from pool.service.context import Context

log = structlog.get_logger(__name__)


class LogVerifier:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._verified_note: str | None = None  # what the next run must still extend

    def verify(self) -> orm.AuditVerification:
        trail = self.ctx.trail
        with self.ctx.sessions.begin() as s:
            note = trail.checkpoint(s)  # cover everything logged so far
        with tempfile.TemporaryDirectory(prefix="pool-audit-") as tmp:
            path = Path(tmp) / "coordinator.audit.jsonl"
            try:
                self._export(path)
                report = verify_export(
                    path,
                    [TrustedKey(trail.public_key, trail.store.origin)],
                    self._verified_note,
                    workers=1,  # one core: the coordinator keeps serving on the other
                )
            except (VerificationError, ExportFormatError, AuditStoreError, OSError) as exc:
                return self._record(0, False, str(exc))
        self._verified_note = note
        return self._record(report.tree_size, True, _summary(report))

    def _export(self, path: Path) -> None:
        with self.ctx.sessions() as s, path.open("wb") as out:
            # A read: on SQLite it must not hold the writers' lock while the file is written.
            conn = s.connection(execution_options={"sqlite_begin": "DEFERRED"})
            write_export(conn, LogReader(self.ctx.trail.store.origin), out)

    def _record(self, size: int, ok: bool, detail: str) -> orm.AuditVerification:
        row = orm.AuditVerification(
            verified_at_ms=self.ctx.now_ms(), log_size=size, ok=ok, detail=detail[:2000]
        )
        with self.ctx.sessions.begin() as s:
            s.add(row)
        (log.info if ok else log.error)("audit_log_verified", ok=ok, log_size=size, detail=detail)
        return row


def _summary(report: VerificationReport) -> str:
    witnesses = ", ".join(report.witnesses) or "no witness"
    return (
        f"{report.tree_size} entries: every signature verifies, the root matches the signed "
        f"checkpoint, cosigned by {witnesses}"
    )
