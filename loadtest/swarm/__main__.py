"""`python -m loadtest.swarm CONFIG.json`: run the users headless for the configured time,
recording every request, then write locust's own totals beside the recording."""

from gevent import monkey

monkey.patch_all()

import grpc.experimental.gevent as grpc_gevent  # noqa: E402 - after patching, before any channel

grpc_gevent.init_gevent()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import events  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.runners import Runner  # noqa: E402

from loadtest.swarm.recorder import Recorder  # noqa: E402
from loadtest.swarm.users import configure  # noqa: E402
from loadtest.swarm_config import SwarmConfig  # noqa: E402

STARTED = "SWARM STARTED"  # the orchestrator starts its fault clock on this line


def _sample_users(runner: Runner, path: Path) -> None:
    with path.open("w") as out:
        out.write("t_s,users\n")
        while True:
            out.write(f"{time.time():.3f},{runner.user_count}\n")
            out.flush()
            gevent.sleep(1.0)


def _totals(env: Environment) -> dict[str, dict[str, float]]:
    return {
        f"{s.method} {s.name}": {
            "requests": s.num_requests,
            "failures": s.num_failures,
            "p50_ms": s.get_response_time_percentile(0.5) or 0,
            "p95_ms": s.get_response_time_percentile(0.95) or 0,
            "p99_ms": s.get_response_time_percentile(0.99) or 0,
        }
        for s in env.stats.entries.values()
    }


def main(config_path: Path) -> None:
    config = SwarmConfig.read(config_path)
    out = Path(config.out_dir)
    recorder = Recorder(out / "requests.csv")
    events.request.add_listener(recorder.on_request)
    classes = configure(config)
    env = Environment(user_classes=classes, events=events)
    runner = env.create_local_runner()
    sampler = gevent.spawn(_sample_users, runner, out / "users.csv")
    runner.start(sum(c.fixed_count for c in classes), spawn_rate=config.spawn_rate)
    print(f"{STARTED} {time.time():.3f}", flush=True)
    gevent.spawn_later(config.duration_s, runner.quit)
    runner.greenlet.join()
    sampler.kill()
    recorder.close()
    (out / "locust_totals.json").write_text(json.dumps(_totals(env), indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
