"""Reserve on the aio alliance port: callers wait as coroutines, batches run in one thread.

Concurrent Reserve calls are gathered while the previous batch runs and handed to
`NodeService.reserve_many` together (group commit: one transaction, one flush). Only the
batch thread touches the database; the event loop converts, queues and answers.
"""

from __future__ import annotations

import asyncio
from concurrent import futures
from typing import Any

import grpc
from alliance.v1 import node_pb2

from node.grpc import convert, errors
from node.grpc.aio_port import Aborted, AioPort, SyncContext, end_with
from node.grpc.watch import PoolShareFeed
from node.service import api

METHOD = "/alliance.v1.NodeService/Reserve"
MAX_BATCH = 64


class ReserveBatcher:
    """Queues reserve commands; one batch at a time goes to `service.reserve_many`."""

    def __init__(self, service: api.NodeService, max_batch: int = MAX_BATCH) -> None:
        self._service = service
        self._max_batch = max_batch
        self._queue: list[tuple[api.ReserveCommand, asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None
        self._thread = futures.ThreadPoolExecutor(1, thread_name_prefix="reserve-batch")

    async def reserve(self, command: api.ReserveCommand) -> api.ReservationView:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        self._queue.append((command, answer))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        result: api.ReservationView = await answer
        return result

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                commands = [command for command, _ in batch]
                try:
                    results = await loop.run_in_executor(
                        self._thread, self._service.reserve_many, commands
                    )
                except Exception as exc:  # noqa: BLE001 - every caller of the batch gets it
                    results = [exc] * len(batch)
                for (_, answer), result in zip(batch, results, strict=True):
                    if answer.done():  # the caller went away; its reservation stands
                        continue
                    if isinstance(result, Exception):
                        answer.set_exception(result)
                    else:
                        answer.set_result(result)
        finally:
            self._draining = None

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def add_reserve(port: AioPort, service: api.NodeService, feed: PoolShareFeed) -> ReserveBatcher:
    """Serve NodeService.Reserve natively on `port`; returns the batcher (close it on stop)."""
    batcher = ReserveBatcher(service)

    async def reserve(
        request: node_pb2.ReserveRequest, context: grpc.aio.ServicerContext
    ) -> node_pb2.ReserveResponse:
        shim = SyncContext(context, port.loop)
        try:
            try:
                port.guard(METHOD, shim)
                view = await batcher.reserve(convert.reserve_command(request))
            except Aborted:
                raise
            except Exception as exc:  # noqa: BLE001 - leaves as a status code, as elsewhere
                errors.abort_for(shim, exc, "Reserve")
        except Aborted as aborted:
            await end_with(context, aborted)
        feed.notify_committed()
        return node_pb2.ReserveResponse(
            reservation=convert.reservation(view), receipt=convert.audit_receipt(view)
        )

    port.add_native(
        METHOD,
        grpc.unary_unary_rpc_method_handler(
            reserve,
            request_deserializer=node_pb2.ReserveRequest.FromString,
            response_serializer=node_pb2.ReserveResponse.SerializeToString,
        ),
    )
    return batcher
