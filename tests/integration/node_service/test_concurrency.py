"""The same units are never promised twice, however many callers reserve at once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from node.domain.clock import SystemClock
from node.service.api import Conflict, PreconditionFailed
from node.service.factory import init_node, open_node

from .conftest import command

THREADS = 50


def _seed(url: str):  # type: ignore[no-untyped-def]
    from node.service.api import LocationIn, PartIn, ReceiptIn

    init_node(url, member_id="supplier-a", member_name="Supplier A")
    service = open_node(url, clock=SystemClock(), pool_size=THREADS + 4)
    service.upsert_location(LocationIn("S1", "W1", "A-01"))
    for part in ("P-100", "P-200"):
        service.upsert_part(PartIn(part, part, "C62"))
        for lot in ("L1", "L2", "L3"):
            service.receive_purchase(
                ReceiptIn(
                    f"rcv-{part}-{lot}",
                    "PO-1",
                    part,
                    100,
                    "C62",
                    "A-01",
                    lot,
                    1_000_000,
                    "EUR",
                    "clerk",
                )
            )
        service.set_safety_stock(part, 400)  # pledge 120 of 300 on hand
    return service


@pytest.mark.postgres
def test_fifty_threads_never_reserve_more_than_the_pool_share(postgres_url: str) -> None:
    service = _seed(postgres_url)
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def worker(i: int) -> None:
        start.wait()
        for j in range(6):
            parts = ("P-100", "P-200") if (i + j) % 2 else ("P-200", "P-100")
            from node.service.api import ReserveCommand, ReserveLineIn, SupplySource

            lines = tuple(
                ReserveLineIn(str(n), part, 1 + (i + j) % 3, "C62", SupplySource.STOCK)
                for n, part in enumerate(parts)
            )
            try:
                view = service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", lines, 300))
                if j % 3 == 2:
                    service.release(view.reservation_id)
                    outcomes.append("released")
                else:
                    outcomes.append("held")
            except PreconditionFailed:
                outcomes.append("refused")
            except Conflict:
                outcomes.append("conflict")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    shares, last = service.pool_shares()
    for share in shares:
        assert share.contributed_quantity == 120
        assert 0 <= share.reserved_quantity <= share.contributed_quantity
        assert share.free_quantity == share.contributed_quantity - share.reserved_quantity
    assert outcomes.count("refused") > 0 and outcomes.count("held") > 0
    assert outcomes.count("conflict") == 0
    result = service.reconcile()
    assert result.balanced, result.mismatches
    events = service.pool_share_events_after(0, limit=10_000)
    sequences = [e.sequence for e in events]
    assert sequences == sorted(set(sequences)) and sequences[-1] <= last
    # The feed, replayed, ends in exactly the current numbers.
    latest = {e.pool_share.part_number: e.pool_share for e in events}
    assert [latest[s.part_number] for s in shares] == shares
    service.close()  # type: ignore[attr-defined]


def test_a_reader_never_sees_a_lower_sequence_appear_later(node_database_url: str) -> None:
    """Writers commit in sequence order: a poller's high-water mark never skips an event."""
    service = _seed(node_database_url)
    stop = threading.Event()
    missed: list[int] = []

    def poll() -> None:
        seen = 0
        seen_all: set[int] = set()
        draining = False
        while True:
            draining = stop.is_set()  # one more full pass after the writers are done
            batch = service.pool_share_events_after(seen)
            for event in batch:
                seen_all.add(event.sequence)
                seen = event.sequence
            if draining and not batch:
                break
        final = {e.sequence for e in service.pool_share_events_after(0, limit=100_000)}
        missed.extend(sorted(final - seen_all))

    def reserve_and_release(i: int) -> None:
        for _ in range(4):
            try:
                view = service.reserve(command(1, "P-100" if i % 2 else "P-200"))
                service.release(view.reservation_id)
            except (PreconditionFailed, Conflict):
                pass

    reader = threading.Thread(target=poll)
    reader.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(reserve_and_release, range(8)))
    stop.set()
    reader.join()
    assert missed == []
    service.close()  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_concurrent_receipts_and_confirmations_keep_the_valuation_whole(
    postgres_url: str,
) -> None:
    """A writer that waited for a part's lock must see the valuation its predecessor left,
    or its moving-average update overwrites the other's (the load test found this)."""
    from node.service.api import ReceiptIn, ReserveCommand, ReserveLineIn, SupplySource

    service = _seed(postgres_url)
    start = threading.Barrier(16)

    def receive(i: int) -> None:
        start.wait()
        for j in range(5):
            service.receive_purchase(
                ReceiptIn(f"rcv-{i}-{j}", "PO-2", "P-100", 5, "C62", "A-01", "L9",
                          1_000_000 + 1_000 * i, "EUR", "clerk")
            )

    def confirm(i: int) -> None:
        start.wait()
        for _ in range(5):
            line = ReserveLineIn("1", "P-100", 2, "C62", SupplySource.STOCK)
            view = service.reserve(ReserveCommand(str(uuid.uuid4()), "p", "d", (line,), 300))
            service.confirm(view.reservation_id)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: (receive if i % 2 else confirm)(i), range(16)))

    result = service.reconcile()
    assert result.balanced, result.mismatches
    service.close()  # type: ignore[attr-defined]
