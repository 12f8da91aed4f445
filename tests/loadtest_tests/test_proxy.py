"""The fault proxy relays bytes untouched, and delays, drops and cuts on command."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from loadtest.proxy import Mode, ProxyFleet


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def link() -> Iterator[tuple[ProxyFleet, tuple[str, int]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fleet = ProxyFleet()
    host, port = fleet.add("S01", f"127.0.0.1:{server.server_address[1]}").split(":")
    try:
        yield fleet, (host, int(port))
    finally:
        fleet.close()
        server.shutdown()
        server.server_close()


def _connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=2)


def _closed(conn: socket.socket) -> bool:
    """The peer closed or reset the connection (an abort may arrive either way)."""
    try:
        return conn.recv(16) == b""
    except ConnectionResetError:
        return True


def _round_trip(conn: socket.socket, payload: bytes) -> tuple[bytes, float]:
    started = time.perf_counter()
    conn.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = conn.recv(65536)
        if not chunk:
            break
        received += chunk
    return received, time.perf_counter() - started


def test_bytes_pass_untouched(link: tuple[ProxyFleet, tuple[str, int]]) -> None:
    fleet, address = link
    payload = bytes(range(256)) * 1024  # binary, larger than one read
    with _connect(address) as conn:
        assert _round_trip(conn, payload)[0] == payload
    # The proxy counts a chunk after writing it on: the last one may land just after we read it.
    deadline = time.monotonic() + 2
    while fleet.stats("S01").bytes_relayed < 2 * len(payload) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fleet.stats("S01").bytes_relayed >= 2 * len(payload)


def test_delay_adds_the_latency_each_way_and_ends_when_healed(
    link: tuple[ProxyFleet, tuple[str, int]],
) -> None:
    fleet, address = link
    with _connect(address) as conn:
        fleet.set_mode("S01", Mode.DELAY, 150)
        echoed, seconds = _round_trip(conn, b"ping")
        assert echoed == b"ping" and 0.3 <= seconds < 1.5
        fleet.set_mode("S01", Mode.PASS)
        assert _round_trip(conn, b"pong")[1] < 0.15


def test_drop_swallows_bytes_then_resets_the_damaged_connection(
    link: tuple[ProxyFleet, tuple[str, int]],
) -> None:
    fleet, address = link
    with _connect(address) as conn:
        fleet.set_mode("S01", Mode.DROP)
        conn.sendall(b"lost")
        conn.settimeout(0.4)
        with pytest.raises(TimeoutError):
            conn.recv(16)
        fleet.set_mode("S01", Mode.PASS)
        conn.settimeout(2)
        assert _closed(conn)  # reset, as after loss on a real link
    assert fleet.stats("S01").bytes_dropped == 4
    with _connect(address) as fresh:
        assert _round_trip(fresh, b"again")[0] == b"again"


def test_cut_closes_open_connections_and_refuses_new_ones_until_healed(
    link: tuple[ProxyFleet, tuple[str, int]],
) -> None:
    fleet, address = link
    with _connect(address) as conn:
        assert _round_trip(conn, b"up")[0] == b"up"
        fleet.set_mode("S01", Mode.CUT)
        assert _closed(conn)
    with _connect(address) as during:
        assert _closed(during)
    fleet.set_mode("S01", Mode.PASS)
    with _connect(address) as after:
        assert _round_trip(after, b"back")[0] == b"back"
    assert fleet.stats("S01").refused == 1
