"""gRPC users as locust documents them: a client interceptor that fires `events.request` with
the method, response time and exception of every call, under a `User` that owns a channel."""

from __future__ import annotations

import time
from typing import Any

import grpc
from locust import User
from locust.env import Environment

# Reconnect fast after a node restarts, as the coordinator's channels do.
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]


class LocustInterceptor(grpc.UnaryUnaryClientInterceptor):
    def __init__(self, environment: Environment, target: str) -> None:
        self.env = environment
        self.target = target  # the member whose node answers, for the report

    def intercept_unary_unary(self, continuation: Any, call_details: Any, request: Any) -> Any:
        started_at, started = time.time(), time.perf_counter()
        call = continuation(call_details, request)
        exception, length = None, 0
        try:
            length = call.result().ByteSize()
        except grpc.RpcError as exc:
            exception = exc
        self.env.events.request.fire(
            request_type="grpc",
            name=call_details.method.rsplit(".", 1)[-1],  # "NodeService/Reserve"
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            response=None,
            context={"target": self.target},
            exception=exception,
            start_time=started_at,
        )
        return call


class GrpcUser(User):
    abstract = True

    def open_channel(
        self, address: str, target: str, credentials: grpc.ChannelCredentials | None
    ) -> grpc.Channel:
        channel = (
            grpc.secure_channel(address, credentials, options=CHANNEL_OPTIONS)
            if credentials is not None
            else grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        )
        self._channel = channel
        return grpc.intercept_channel(channel, LocustInterceptor(self.environment, target))

    def on_stop(self) -> None:
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
