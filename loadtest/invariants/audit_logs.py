"""Every audit log (the coordinator's and each node's) exports and verifies offline against the
key pinned when it was created, as `alliance audit export` + `verify` do."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from loadtest.invariants.results import CheckResult, verdict
from loadtest.manifest import Manifest
from pool.local_alliance import AuditCheck, verify_audit_log


def audit_logs_verify(manifest: Manifest, out_dir: Path) -> CheckResult:
    logs = [
        ("coordinator", manifest.coordinator.database_url, manifest.coordinator.audit_public_key)
    ] + [(n.member_id, n.database_url, bytes.fromhex(n.audit_public_key)) for n in manifest.nodes]
    with ThreadPoolExecutor(max_workers=2) as pool:
        checks: list[AuditCheck] = list(
            pool.map(lambda log: verify_audit_log(log[0], log[1], log[2], out_dir), logs)
        )
    problems = [f"{c.name}: {c.detail}" for c in checks if c.ok is not True]
    entries = sum(c.entries for c in checks)
    return verdict(
        "audit logs verify",
        "each log's entries, signatures and Merkle root match its signed checkpoint, "
        "verified offline against the key pinned at creation",
        f"{len(checks)} logs, {entries:,} entries",
        problems,
    )
