"""A raw gRPC echo server: the ceiling a node's RPC throughput is compared against.

It is built with the same server options and thread pool as a node, and returns the request
bytes untouched, so the difference to a node is the node's own work.
"""

from __future__ import annotations

import sys
from concurrent import futures

import grpc

SERVICE = "bench.v1.EchoService"
METHOD = f"/{SERVICE}/Echo"


def _echo(request: bytes, context: grpc.ServicerContext) -> bytes:
    return request


def serve(max_workers: int = 64) -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers))
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {"Echo": grpc.unary_unary_rpc_method_handler(_echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"LISTENING echo=127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
