"""A TCP proxy the load test controls, between the coordinator and one node's alliance port.

It relays bytes untouched (mutual TLS passes through end to end) and can, on command, delay
them by a fixed latency each way, drop them, or cut the link. One asyncio loop in a daemon
thread serves every proxy; `ProxyFleet` is the thread-safe handle the fault injector uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CHUNK = 65_536


class Mode(enum.Enum):
    PASS = "pass"
    DELAY = "delay"  # every byte arrives `delay_s` later, each way (a long link, not a slow one)
    DROP = "drop"  # bytes vanish; the connections that lost bytes are reset when it ends
    CUT = "cut"  # open connections are closed, new ones are closed at once


@dataclass
class LinkStats:
    connections: int = 0
    refused: int = 0
    bytes_relayed: int = 0
    bytes_dropped: int = 0


@dataclass(eq=False)
class _Connection:
    writers: tuple[asyncio.StreamWriter, asyncio.StreamWriter]
    lost_bytes: bool = False

    def abort(self) -> None:
        for writer in self.writers:
            writer.transport.abort()


@dataclass(eq=False)
class TcpProxy:
    upstream_host: str
    upstream_port: int
    mode: Mode = Mode.PASS
    delay_s: float = 0.0
    stats: LinkStats = field(default_factory=LinkStats)
    _connections: set[_Connection] = field(default_factory=set)
    _server: asyncio.AbstractServer | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.abort()

    def set_mode(self, mode: Mode, delay_s: float = 0.0) -> None:
        previous, self.mode, self.delay_s = self.mode, mode, delay_s
        if mode is Mode.CUT:
            self._abort(lambda c: True)
        elif previous is Mode.DROP:
            # A stream that lost bytes is corrupt (TLS would refuse it): reset it, as a real
            # network does after loss, so both ends reconnect instead of hanging.
            self._abort(lambda c: c.lost_bytes)

    def _abort(self, which: Callable[[_Connection], bool]) -> None:
        for connection in [c for c in self._connections if which(c)]:
            connection.abort()
            self._connections.discard(connection)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.mode is Mode.CUT:
            self.stats.refused += 1
            client_w.transport.abort()
            return
        if self.mode is Mode.DELAY:
            await asyncio.sleep(self.delay_s)
        try:
            up_r, up_w = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            self.stats.refused += 1
            client_w.transport.abort()
            return
        self.stats.connections += 1
        connection = _Connection((client_w, up_w))
        self._connections.add(connection)
        try:
            await asyncio.gather(
                self._pipe(client_r, up_w, connection), self._pipe(up_r, client_w, connection)
            )
        finally:
            self._connections.discard(connection)
            connection.abort()

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, connection: _Connection
    ) -> None:
        """Reader and writer apart, so a delay shifts every chunk without spacing them out."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        writer = asyncio.create_task(self._deliver(queue, sink))
        try:
            while data := await source.read(CHUNK):
                if self.mode is Mode.DROP:
                    connection.lost_bytes = True
                    self.stats.bytes_dropped += len(data)
                    continue
                due = time.monotonic() + (self.delay_s if self.mode is Mode.DELAY else 0.0)
                await queue.put((due, data))
        except (ConnectionError, OSError):
            pass
        finally:
            await queue.put((0.0, b""))
            with contextlib.suppress(ConnectionError, OSError):
                await writer

    async def _deliver(
        self, queue: asyncio.Queue[tuple[float, bytes]], sink: asyncio.StreamWriter
    ) -> None:
        while True:
            due, data = await queue.get()
            if not data:
                if sink.can_write_eof():
                    with contextlib.suppress(OSError):
                        sink.write_eof()
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            sink.write(data)
            self.stats.bytes_relayed += len(data)
            await sink.drain()


class ProxyFleet:
    """Proxies by name on one event loop in a daemon thread; every method is thread-safe."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="proxies", daemon=True)
        self._thread.start()
        self._proxies: dict[str, TcpProxy] = {}

    def add(self, name: str, upstream: str, listen_port: int = 0) -> str:
        """Start a proxy to `upstream` (host:port); returns the address to use instead."""
        host, port = upstream.rsplit(":", 1)
        proxy = TcpProxy(host, int(port))
        bound = self._run(proxy.start(port=listen_port))
        self._proxies[name] = proxy
        return f"127.0.0.1:{bound}"

    def set_mode(self, name: str, mode: Mode, delay_ms: int = 0) -> None:
        proxy = self._proxies[name]
        self._run(_call(lambda: proxy.set_mode(mode, delay_ms / 1000)))

    def stats(self, name: str) -> LinkStats:
        return self._proxies[name].stats

    def close(self) -> None:
        for proxy in self._proxies.values():
            self._run(proxy.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coroutine):  # noqa: ANN001, ANN202 - any coroutine, its result
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)


async def _call(fn):  # noqa: ANN001, ANN202 - run a plain function on the loop's thread
    return fn()
