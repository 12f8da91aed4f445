"""Audit log figures: appends/s with per-entry signatures on SQLite, proof generation at
1,000,000 entries, and the time to verify a 1,000,000-entry export.

The million-entry log is built once through the bulk path (signing on every core, one
transaction per 50,000 entries) and cached under the temp dir; `--rebuild` forces a new one.
Run alone: `python -m bench.audit_bench [--entries N] [--rebuild]`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.ed25519 import Signer
from audit.export import export_to_file
from audit.group_commit import GroupCommitLog
from audit.log import AuditLog, audit_engine
from audit.proofs import verify_consistency, verify_inclusion
from audit.statements import SignedEntry, Statement, sign_statement
from audit.store import LogStore
from audit.verify import verify_export

ORIGIN = "bench.example/audit"
MEMBER = "bench-supplier"
CACHE = Path(tempfile.gettempdir()) / "alliance-audit-bench-v1"
BATCH = 50_000


def movement(i: int) -> Statement:
    return Statement(
        MEMBER,
        "ledger_movement",
        1_764_000_000_000 + i,
        ("location_id", "lot_number", "movement_id", "part_number", "quantity"),
        {
            "movement_id": f"mv-{i:09d}",
            "part_number": f"PN-{i % 9973:05d}",
            "lot_number": f"L{i % 365:03d}",
            "location_id": "WH1-A-01",
            "quantity": (i % 41) - 20,
        },
    )


def bench_appends(workdir: Path) -> None:
    signer = Signer.generate()
    url = f"sqlite:///{workdir / 'appends.db'}"
    log = AuditLog(audit_engine(url), LogStore(ORIGIN, signer, MEMBER), checkpoint_every=1000)
    count = 3_000
    started = time.perf_counter()
    for i in range(count):
        statement = movement(i)
        log.append(statement.kind, statement.payload, statement.elements, statement.at_ms)
    single = count / (time.perf_counter() - started)
    print(
        f"appends/s, one transaction (fsync) per append, signature per entry, "
        f"checkpoint every 1000: {single:,.0f}"
    )
    threads, per_thread = 8, 3_000
    grouped = GroupCommitLog(log)

    def appender(worker: int) -> None:
        for i in range(worker * per_thread, (worker + 1) * per_thread):
            statement = movement(i)
            grouped.append(statement.kind, statement.payload, statement.elements, statement.at_ms)

    workers = [threading.Thread(target=appender, args=(w,)) for w in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    concurrent = threads * per_thread / (time.perf_counter() - started)
    grouped.close()
    print(
        f"appends/s, {threads} concurrent appenders, group commit (each acknowledged after "
        f"its fsync'd commit), signature per entry, checkpoint every 1000: {concurrent:,.0f}"
    )
    count, batch = 30_000, 100
    started = time.perf_counter()
    for first in range(0, count, batch):
        log.append_own_many([movement(i) for i in range(first, first + batch)])
    batched = count / (time.perf_counter() - started)
    print(
        f"appends/s, append_own_many batches of {batch} (one fsync per batch), signature per "
        f"entry, checkpoint every 1000: {batched:,.0f}"
    )
    log.close()


def _sign_range(task: tuple[bytes, int, int]) -> list[tuple[bytes, bytes]]:
    seed, start, stop = task
    signer = Signer(Ed25519PrivateKey.from_private_bytes(seed))
    out = []
    for i in range(start, stop):
        entry = sign_statement(movement(i), signer)
        out.append((entry.statement_bytes, entry.signature))
    return out


def build_million(entries: int, rebuild: bool) -> tuple[Path, Path, bytes]:
    """(database, export, seed) of a log of `entries` entries, cached between runs."""
    directory = CACHE / str(entries)
    db, export, seed_file = directory / "log.db", directory / "log.jsonl", directory / "seed"
    if export.exists() and not rebuild:
        print(f"using cached {entries:,}-entry log in {directory}")
        return db, export, seed_file.read_bytes()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in (db, export):
        stale.unlink(missing_ok=True)
    seed = os.urandom(32)
    seed_file.write_bytes(seed)
    store = LogStore(ORIGIN, Signer(Ed25519PrivateKey.from_private_bytes(seed)), MEMBER)
    engine = audit_engine(f"sqlite:///{db}")
    log = AuditLog(engine, store)
    started = time.perf_counter()
    step = 10_000
    tasks = [(seed, i, min(i + step, entries)) for i in range(0, entries, step)]
    pending: list[SignedEntry] = []
    with ProcessPoolExecutor() as pool:
        for signed in pool.map(_sign_range, tasks):
            pending.extend(SignedEntry(raw, sig) for raw, sig in signed)
            if len(pending) >= BATCH:
                with engine.begin() as conn:
                    store.append_own_signed(conn, pending)
                pending = []
    with engine.begin() as conn:
        if pending:
            store.append_own_signed(conn, pending)
        store.sign_checkpoint(conn)
    built = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect() as conn:
        export_to_file(conn, store, export)
    exported = time.perf_counter() - started
    log.close()
    size_mb = export.stat().st_size / 1e6
    print(
        f"built {entries:,}-entry log (bulk path, signing on all cores) in {built:.1f} s; "
        f"exported {size_mb:,.0f} MB in {exported:.1f} s"
    )
    return db, export, seed


def bench_proofs(db: Path, seed: bytes, entries: int) -> None:
    store = LogStore(ORIGIN, Signer(Ed25519PrivateKey.from_private_bytes(seed)), MEMBER)
    engine = sa.create_engine(f"sqlite:///{db}")
    rng = random.Random(6962)
    inclusion, consistency = [], []
    with engine.connect() as conn:
        root = store.root(conn)
        for _ in range(200):
            index = rng.randrange(entries)
            started = time.perf_counter()
            proof = store.inclusion_proof(conn, index, entries)
            inclusion.append(time.perf_counter() - started)
            (entry,) = store.entries(conn, index, index + 1)
            verify_inclusion(entry.leaf_hash, index, entries, proof, root)
        for _ in range(50):
            old = rng.randrange(1, entries)
            started = time.perf_counter()
            proof = store.consistency_proof(conn, old, entries)
            consistency.append(time.perf_counter() - started)
            verify_consistency(old, entries, proof, store.root(conn, old), root)
    engine.dispose()
    print(
        f"proof generation at {entries:,} entries (SQLite, stored subtrees): inclusion "
        f"median {statistics.median(inclusion) * 1e3:.2f} ms (max {max(inclusion) * 1e3:.2f}), "
        f"consistency median {statistics.median(consistency) * 1e3:.2f} ms"
    )


def bench_verify(export: Path, entries: int) -> None:
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    report = verify_export(export)
    elapsed = time.perf_counter() - started
    assert report.tree_size == entries
    cores = os.cpu_count() or 1
    print(
        f"full verification of a {entries:,}-entry export ({entries:,} signatures, root, "
        f"checkpoint) on {cores} cores: {elapsed:.1f} s wall, {report.cpu_s:.1f} s CPU "
        f"(= {report.cpu_s / cores:.1f} s on {cores} idle cores); load average before "
        f"{load_before:.1f}, after {os.getloadavg()[0]:.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="audit_bench")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-appends", action="store_true")
    args = parser.parse_args([] if argv is None else argv)
    if not args.skip_appends:
        with tempfile.TemporaryDirectory() as workdir:
            bench_appends(Path(workdir))
    db, export, seed = build_million(args.entries, args.rebuild)
    bench_proofs(db, seed, args.entries)
    bench_verify(export, args.entries)


if __name__ == "__main__":
    main(sys.argv[1:])
