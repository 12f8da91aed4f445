"""One load run from start to verdict: alliance up, echo ceiling, users and faults, drain,
stop, invariants, report; every database dropped at the end unless kept."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import httpx
import sqlalchemy as sa

from loadtest import echo, postgres
from loadtest.cluster import LOADTEST_CLIENT, Cluster, database_names, launch
from loadtest.faults import check_fits, parse_schedule
from loadtest.injector import Injector
from loadtest.invariants import check_alliance
from loadtest.invariants.runner import OBSERVED_PLANS, write_results
from loadtest.profiles import Profile
from loadtest.report import build_report
from loadtest.report.gate import Verdict
from loadtest.report.records import FAULTS, INVARIANTS, PG_CONNECTIONS, RUN
from loadtest.swarm_config import NodePart, NodeTarget, SwarmConfig
from node.adapters.orm import Reservation
from pool.adapters import orm as pool_orm
from pool.demo_data import PLANTS, SUPPLIERS

REPO = Path(__file__).resolve().parent.parent
SWARM_STARTED = "SWARM STARTED"
DRAIN_S = 120.0
CONNECTIONS_WANTED = {"smoke": 100, "peak": 200}
Say = Callable[[str], None]


@dataclass(frozen=True)
class RunOptions:
    profile: Profile
    faults: str  # schedule text (loadtest/faults.py)
    out_dir: Path
    seed: int
    keep_databases: bool = False


def run(options: RunOptions, say: Say = print) -> Verdict:
    # Absolute: the processes started here run in other directories.
    options = replace(options, out_dir=options.out_dir.resolve())
    out = options.out_dir
    workdir = out / "alliance"
    workdir.mkdir(parents=True)
    profile = options.profile
    members = [s.member_id for s in SUPPLIERS]
    faults = parse_schedule(options.faults, members, options.seed)
    check_fits(faults, profile.duration_s)
    info = _run_info(options)
    _preflight(options.profile, info, say)
    run_id = secrets.token_hex(3)
    try:
        cluster = launch(workdir, run_id, say, {})
        try:
            _load_and_stop(cluster, options, faults, info, say)
        finally:
            cluster.stop()
        manifest = cluster.manifest()
        manifest.stopped_at_ms = info["stopped_at_ms"]
        manifest.write(workdir)
        say("checking invariants")
        write_results(check_alliance(manifest, workdir), out / INVARIANTS)
    finally:
        if not options.keep_databases:
            postgres.drop_databases(database_names(run_id, members))
    verdict = build_report(out)
    say(f"report: {out / 'report.md'}")
    return verdict


def _run_info(options: RunOptions) -> dict:
    profile = options.profile
    return {
        "profile": profile.name,
        "duration_s": profile.duration_s,
        "ramp_s": profile.ramp_s,
        "users": asdict(profile.users),
        "seed": options.seed,
        "faults": options.faults,
    }


def _preflight(profile: Profile, info: dict, say: Say) -> None:
    """12 nodes and the coordinator share one server: measured, the smoke holds about 80
    connections and the peak more than 100 (the coordinator alone up to 32)."""
    limit = postgres.connections(postgres.PREFIX).limit
    if limit < CONNECTIONS_WANTED[profile.name]:
        warning = (
            f"PostgreSQL max_connections is {limit}; the {profile.name} profile wants "
            f"{CONNECTIONS_WANTED[profile.name]} or more: expect refused connections"
        )
        info["warnings"] = [*info.get("warnings", []), warning]
        say(f"warning: {warning}")


def _write_info(out: Path, info: dict) -> None:
    (out / RUN).write_text(json.dumps(info, indent=2) + "\n")


def _load_and_stop(
    cluster: Cluster, options: RunOptions, faults: list, info: dict, say: Say
) -> None:
    out, profile = options.out_dir, options.profile
    cluster.manifest().write(cluster.workdir)
    say(f"echo ceiling: {profile.echo_clients} clients for {profile.echo_s:g} s")
    info["echo"] = echo.measure(profile.echo_clients, profile.echo_s).to_json()
    config_path = out / "swarm.json"
    _swarm_config(cluster, options).write(config_path)
    injector = Injector(cluster, faults, out / FAULTS, say)
    sampler = _ConnectionSampler(f"{postgres.PREFIX}{cluster.run_id}_", out / PG_CONNECTIONS)
    sampler.start()
    try:
        say(f"load: {profile.name}, {profile.users.total} users for {profile.duration_s:g} s")
        info["load_started_at"], info["load_ended_at"] = _swarm(
            config_path, profile, injector, out, say
        )
        injector.finish()
        _drain(cluster, say)
        _final_checkpoint(cluster)
        info["node_reservations"] = _node_reservations(cluster, info)
    finally:
        injector.finish()
        sampler.stop()
        info["stopped_at_ms"] = int(time.time() * 1000)
        _write_info(out, info)


def _swarm(
    config_path: Path, profile: Profile, injector: Injector, out: Path, say: Say
) -> tuple[float, float]:
    """Run the locust process; start the fault clock when its users start."""
    with (out / "swarm.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "loadtest.swarm", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=REPO,
        )
        assert process.stdout is not None
        started_at = time.time()
        for line in process.stdout:
            if line.startswith(SWARM_STARTED):
                started_at = float(line.split()[-1])
                injector.start(time.monotonic() - (time.time() - started_at))
                break
        try:
            process.wait(timeout=profile.duration_s + 60)
        except subprocess.TimeoutExpired:
            say("the locust process overran its time; killed")
            process.kill()
            process.wait()
        if process.returncode != 0:
            raise RuntimeError(f"the locust process failed ({process.returncode}); see swarm.log")
    return started_at, min(time.time(), started_at + profile.duration_s)


def _swarm_config(cluster: Cluster, options: RunOptions) -> SwarmConfig:
    pooled: dict[str, int] = {}
    nodes = []
    for node in cluster.nodes.values():
        for c in node.books.carried:
            pooled[c.part.part_number] = (
                pooled.get(c.part.part_number, 0) + c.safety_stock * 3 // 10
            )
        nodes.append(
            NodeTarget(
                member_id=node.member_id,
                alliance_target=node.process.alliance_target,
                admin_target=node.process.admin_target,
                location_id=node.books.location_id,
                parts=[
                    NodePart(c.part.part_number, c.safety_stock, c.unit_cost_micros)
                    for c in node.books.carried
                ],
            )
        )
    pki = cluster.pki_dir
    return SwarmConfig(
        seed=options.seed,
        duration_s=options.profile.duration_s,
        spawn_rate=options.profile.spawn_rate,
        users=asdict(options.profile.users),
        demand_lines=options.profile.demand_lines,
        coordinator_url=cluster.coordinator.base_url,
        tenant_keys=cluster.tenant_keys,
        pooled=pooled,
        plants=sorted(PLANTS),
        nodes=nodes,
        tls={
            "ca": str(pki / "ca.crt"),
            "cert": str(pki / f"{LOADTEST_CLIENT}.crt"),
            "key": str(pki / f"{LOADTEST_CLIENT}.key"),
        },
        out_dir=str(options.out_dir),
        observed_plans=str(cluster.workdir / OBSERVED_PLANS),
    )


def _drain(cluster: Cluster, say: Say) -> None:
    """Until every demand is confirmed or failed and the coordinator knows what became of
    every hold (no release pending, no confirmation in doubt)."""
    engine = sa.create_engine(cluster.coordinator.settings.database_url, poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + DRAIN_S
    try:
        while True:
            with engine.connect() as conn:
                open_demands = conn.execute(
                    sa.select(sa.func.count()).where(
                        pool_orm.Demand.status.notin_(["confirmed", "failed"])
                    )
                ).scalar_one()
                unsettled = conn.execute(
                    sa.select(sa.func.count()).where(
                        pool_orm.Reservation.state.in_(["orphan", "in_doubt"])
                    )
                ).scalar_one()
            if open_demands == 0 and unsettled == 0:
                return
            if time.monotonic() > deadline:
                say(f"drain: {open_demands} demands open, {unsettled} holds orphaned or in doubt")
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def _final_checkpoint(cluster: Cluster) -> None:
    """The coordinator signs a checkpoint over everything it logged (GET /v1/audit/status)."""
    httpx.get(
        f"{cluster.coordinator.base_url}/v1/audit/status",
        headers={"Authorization": f"Bearer {cluster.operator_key}"},
        timeout=60,
    ).raise_for_status()


def _node_reservations(cluster: Cluster, info: dict) -> dict[str, float]:
    """Every hold booked on the nodes during the load, by the callers and the coordinator."""
    start_ms, end_ms = int(info["load_started_at"] * 1000), int(info["load_ended_at"] * 1000)
    count = 0
    for node in cluster.nodes.values():
        engine = sa.create_engine(node.database_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                count += conn.execute(
                    sa.select(sa.func.count()).where(
                        Reservation.created_at_ms.between(start_ms, end_ms)
                    )
                ).scalar_one()
        finally:
            engine.dispose()
    seconds = max((end_ms - start_ms) / 1000, 1e-9)
    return {"count": count, "per_s": round(count / seconds, 2)}


class _ConnectionSampler:
    """PostgreSQL connections once a second: the run must leave room for everyone else."""

    def __init__(self, prefix: str, path: Path) -> None:
        self._prefix, self._path = prefix, path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with self._path.open("w") as out:
            out.write("t_s,ours,coordinator,total,limit\n")
            while not self._stop.wait(1.0):
                try:
                    c = postgres.connections(self._prefix)
                except sa.exc.SQLAlchemyError:
                    continue  # PostgreSQL restarting: the gap shows in the series
                out.write(f"{time.time():.3f},{c.ours},{c.coordinator},{c.total},{c.limit}\n")
                out.flush()
