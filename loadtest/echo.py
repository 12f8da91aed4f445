"""The raw gRPC ceiling of this machine, measured in the same run as the load (bench's echo
server and closed-loop client), so node reservations per second have a yardstick."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench import load
from bench.node_bench import echo_call, echo_server


@dataclass(frozen=True)
class EchoCeiling:
    clients: int
    seconds: float
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    def to_json(self) -> dict[str, float]:
        return asdict(self)


def measure(clients: int, seconds: float) -> EchoCeiling:
    with echo_server() as (target, _pid):
        result = load.run(target, echo_call(), clients, seconds)
    return EchoCeiling(
        clients,
        round(result.seconds, 2),
        round(result.per_second, 1),
        round(result.quantile(0.50), 2),
        round(result.quantile(0.99), 2),
        result.errors,
    )
