"""The alliance port on `grpc.aio`: one event loop does the network work of every call.

A thread-pool server gives each call a thread; under load those threads wait on each other
for the GIL and for the reserve batch, and the node paid about a third more CPU per Reserve
in the server than the reserve did in SQL. Here the servicers stay synchronous: each call of
a synchronous servicer runs in a worker thread (a stream moves one message at a time), while
Reserve is served natively (`node.grpc.reserve_port`) so its callers wait as coroutines.

`SyncContext` gives the synchronous servicers the thread-pool server's context: abort raises
`Aborted`, which the loop turns into the call's status.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent import futures
from typing import Any, NoReturn

import grpc


class Aborted(Exception):  # noqa: N818 - mirrors grpc's own abort, which raises
    """A synchronous servicer aborted the call with `status`."""

    def __init__(self, status: grpc.Status) -> None:
        super().__init__(status.details)
        self.status = status


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: Any = ()) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


class SyncContext:
    """What synchronous servicers use of `grpc.ServicerContext`, over an aio context."""

    def __init__(self, context: grpc.aio.ServicerContext, loop: asyncio.AbstractEventLoop) -> None:
        self._context = context
        self._loop = loop

    def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise Aborted(_Status(code, details))

    def abort_with_status(self, status: grpc.Status) -> NoReturn:
        raise Aborted(status)

    def add_callback(self, callback: Callable[[], None]) -> bool:
        """Run `callback` when the call ends (cancelled, failed or done)."""

        def register() -> None:
            self._context.add_done_callback(lambda _context: callback())

        self._loop.call_soon_threadsafe(register)
        return True

    def is_active(self) -> bool:
        return not self._context.done()

    def auth_context(self) -> dict[str, list[bytes]]:
        return self._context.auth_context()

    def peer(self) -> str:
        return self._context.peer()

    def peer_identities(self) -> Sequence[bytes] | None:
        return self._context.peer_identities()

    def invocation_metadata(self) -> Any:
        return self._context.invocation_metadata()

    def time_remaining(self) -> float | None:
        return self._context.time_remaining()

    def set_code(self, code: grpc.StatusCode) -> None:
        self._context.set_code(code)

    def set_details(self, details: str) -> None:
        self._context.set_details(details)

    def set_trailing_metadata(self, metadata: Any) -> None:
        self._context.set_trailing_metadata(metadata)


async def end_with(context: grpc.aio.ServicerContext, aborted: Aborted) -> NoReturn:
    status = aborted.status
    await context.abort(status.code, status.details, tuple(status.trailing_metadata or ()))
    raise AssertionError("abort returned")  # pragma: no cover


_END = object()


def _unary(
    behaviour: Callable[[Any, Any], Any], pool: futures.Executor
) -> Callable[[Any, grpc.aio.ServicerContext], Any]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, behaviour, request, SyncContext(context, loop))
        except Aborted as aborted:
            await end_with(context, aborted)

    return call


def _streaming(
    behaviour: Callable[[Any, Any], Iterator[Any]], pool: futures.Executor
) -> Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        shim = SyncContext(context, loop)
        pending: asyncio.Future[Any] | None = None
        messages: Iterator[Any] | None = None
        try:
            messages = iter(await loop.run_in_executor(pool, behaviour, request, shim))
            while True:
                pending = loop.run_in_executor(pool, next, messages, _END)
                message = await pending
                pending = None
                if message is _END:
                    return
                yield message
        except Aborted as aborted:
            await end_with(context, aborted)
        finally:
            if messages is not None:
                # The call may end while a worker is inside next(): close the stream (its
                # cleanup runs) once that worker is done with it.
                pool.submit(_close_after, pending, messages)

    return call


def _close_after(pending: asyncio.Future[Any] | None, messages: Iterator[Any]) -> None:
    if pending is not None:
        done = threading.Event()
        pending.get_loop().call_soon_threadsafe(
            lambda: pending.add_done_callback(lambda _f: done.set())
        )
        done.wait()
    close = getattr(messages, "close", None)
    if close is not None:
        with contextlib.suppress(ValueError):  # still running in another worker
            close()


def adapt(handler: grpc.RpcMethodHandler, pool: futures.Executor) -> grpc.RpcMethodHandler:
    """An aio handler serving the synchronous `handler` through `pool`."""
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            _unary(handler.unary_unary, pool),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _streaming(handler.unary_stream, pool),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    raise ValueError("only unary requests are served through the aio adapter")


class AioPort:
    """A `grpc.aio` server on its own event-loop thread, driven like a thread-pool server.

    Synchronous servicers are registered as on any server (the generated `add_*_to_server`
    calls the two `add_*_handlers` below) and run in a pool of `max_workers` threads;
    `add_native` registers an aio handler as is. `interceptor` (a synchronous
    `grpc.ServerInterceptor`) guards both kinds, native handlers through `guard`. It is
    consulted once per method, so its per-call checks must live in the handler it returns,
    as `pool.tls.CallerPolicy`'s do.
    """

    def __init__(
        self,
        options: Sequence[tuple[str, Any]],
        max_workers: int,
        interceptor: grpc.ServerInterceptor | None = None,
        thread_name_prefix: str = "alliance-rpc",
    ) -> None:
        self._pool = futures.ThreadPoolExecutor(max_workers, thread_name_prefix=thread_name_prefix)
        self._interceptor = interceptor
        self._collected: dict[str, grpc.RpcMethodHandler] = {}
        self._guarded: dict[str, grpc.RpcMethodHandler | None] = {}
        self._native: dict[str, grpc.RpcMethodHandler] = {}
        self._adapted: dict[str, grpc.RpcMethodHandler | None] = {}
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name=f"{thread_name_prefix}-loop", daemon=True
        )
        self._thread.start()
        self.server: grpc.aio.Server = self.call(self._create, list(options))
        self._terminated = threading.Event()

    async def _create(self, options: list[tuple[str, Any]]) -> grpc.aio.Server:
        server = grpc.aio.server(options=options)
        server.add_generic_rpc_handlers((_Dispatch(self),))
        return server

    def call(self, coroutine: Callable[..., Any], *args: Any) -> Any:
        """Run `coroutine(*args)` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine(*args), self.loop).result()

    def _in_loop(self, function: Callable[..., Any], *args: Any) -> Any:
        async def run() -> Any:
            return function(*args)

        return self.call(run)

    # --- registration (before start) --------------------------------------------------------

    def add_generic_rpc_handlers(self, generic_handlers: Sequence[Any]) -> None:
        for generic in generic_handlers:
            self._collected.update(getattr(generic, "_method_handlers", {}))

    def add_registered_method_handlers(
        self, service_name: str, method_handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        for name, handler in method_handlers.items():
            self._collected[f"/{service_name}/{name}"] = handler

    def add_native(self, method: str, handler: grpc.RpcMethodHandler) -> None:
        self._native[method] = handler

    @staticmethod
    def enable_reflection(names: Sequence[str], port: AioPort) -> None:
        """`reflection.enable_server_reflection` for a port: grpc's aio reflection servicer."""
        from grpc_reflection.v1alpha import reflection

        port._in_loop(reflection.enable_server_reflection, tuple(names), port.server)

    def add_insecure_port(self, address: str) -> int:
        return int(self._in_loop(self.server.add_insecure_port, address))

    def add_secure_port(self, address: str, credentials: grpc.ServerCredentials) -> int:
        return int(self._in_loop(self.server.add_secure_port, address, credentials))

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        self.call(self.server.start)

    def stop(self, grace: float | None) -> threading.Event:
        """Stop as a thread-pool server does: the event is set once every call has ended."""
        done = threading.Event()

        async def stopping() -> None:
            try:
                await self.server.stop(grace)
            finally:
                done.set()
                self._terminated.set()

        asyncio.run_coroutine_threadsafe(stopping(), self.loop)
        return done

    def close(self) -> None:
        """After `stop`: end the loop thread and the worker pool."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return self._terminated.wait(timeout)

    # --- dispatch ---------------------------------------------------------------------------

    def guard(self, method: str, context: SyncContext) -> None:
        """Apply the interceptor's verdict to a native call (raises `Aborted` on refusal)."""
        if self._interceptor is None:
            return
        if method not in self._guarded:
            probe = grpc.unary_unary_rpc_method_handler(lambda _request, _context: None)
            details = _Details(method)
            self._guarded[method] = self._interceptor.intercept_service(lambda _d: probe, details)
        guarded = self._guarded[method]
        if guarded is not None and guarded.unary_unary is not None:
            guarded.unary_unary(None, context)

    def handler_for(self, method: str) -> grpc.RpcMethodHandler | None:
        if method in self._native:
            return self._native[method]
        if method not in self._adapted:
            handler = self._collected.get(method)
            if handler is not None and self._interceptor is not None:
                found = handler
                handler = self._interceptor.intercept_service(lambda _d: found, _Details(method))
            self._adapted[method] = None if handler is None else adapt(handler, self._pool)
        return self._adapted[method]


class _Details(grpc.HandlerCallDetails):
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata = ()


class _Dispatch(grpc.GenericRpcHandler):
    def __init__(self, port: AioPort) -> None:
        self._port = port

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> Any:
        return self._port.handler_for(handler_call_details.method)
