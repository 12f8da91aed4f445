"""`alliance demo`: a supplier node end to end on embedded defaults (SQLite, local processes).

Initialises a node with realistic sample stock, serves it as its own process, and watches its
pool shares over gRPC while a local sale, a replenishment and an OEM reservation move stock.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
import uuid
from pathlib import Path

import grpc
import typer
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.table import Table

from alliance.v1 import inventory_pb2 as inv
from alliance.v1 import inventory_pb2_grpc, node_pb2_grpc
from alliance.v1 import node_pb2 as pb
from alliance.v1 import types_pb2 as types
from node.launcher import NodeProcess, run_cli, start_node

console = Console()


def _pool_table(shares: list[types.PoolShare], title: str) -> Table:
    table = Table(title=title)
    for column in ("part", "unit", "safety stock", "fraction", "pooled", "reserved", "free"):
        table.add_column(column, justify="right" if column not in ("part", "unit") else "left")
    for s in shares:
        table.add_row(
            s.part_number, s.unit_of_measure, str(s.safety_stock_quantity), s.pool_fraction,
            str(s.contributed_quantity), str(s.reserved_quantity), str(s.free_quantity),
        )
    return table


class _Watcher:
    def __init__(self, stub: node_pb2_grpc.NodeServiceStub) -> None:
        self.events: queue.Queue[tuple[float, pb.WatchPoolSharesResponse]] = queue.Queue()
        self.call = stub.WatchPoolShares(pb.WatchPoolSharesRequest())
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            for event in self.call:
                self.events.put((time.perf_counter(), event))
        except grpc.RpcError:
            pass

    def drain(self, since: float, settle_s: float = 0.3) -> None:
        """Print every change that arrives within settle_s, with its delay after `since`."""
        deadline = time.perf_counter() + settle_s
        while True:
            try:
                arrived, event = self.events.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                return
            c = event.change
            console.print(
                f"   [cyan]watch[/] seq {event.sequence}: {c.part_number} pooled "
                f"{c.contributed_quantity}, reserved {c.reserved_quantity}, free {c.free_quantity}"
                f"  [dim](seen {(arrived - since) * 1000:.0f} ms after commit)[/]"
            )


def _due_in(hours: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(int((time.time() + hours * 3600) * 1000))
    return ts


def _story(node: NodeProcess) -> None:
    with node.channel() as channel, node.admin_channel() as admin_channel:
        stub = node_pb2_grpc.NodeServiceStub(channel)
        admin = inventory_pb2_grpc.InventoryServiceStub(admin_channel)
        info = stub.GetNodeInfo(pb.GetNodeInfoRequest())
        console.print(
            f"node [bold]{info.member_id}[/] {info.member_name}, dictionary {info.dictionary_version}, "
            f"audit key {info.audit_public_key.hex()[:16]}…"
        )
        shares = list(stub.GetPoolShares(pb.GetPoolSharesRequest()).pool_shares)
        console.print(_pool_table(shares, "Pool shares the alliance sees"))
        part = max(shares, key=lambda s: s.free_quantity)
        (position,) = admin.GetStock(inv.GetStockRequest(part_numbers=[part.part_number])).parts
        watcher = _Watcher(stub)
        watcher.events.get(timeout=10)  # the snapshot

        sale = max(0, position.quantity_on_hand - part.contributed_quantity // 2)
        console.print(f"\n1. A local sale ships {sale} {part.unit_of_measure} of {part.part_number}, "
                      "leaving less stock than the pledge:")
        admin.ShipSales(inv.ShipSalesRequest(
            movement_id=str(uuid.uuid4()), sales_order_number="SO-LOCAL-1", customer_id="LOCAL-DEALER",
            part_number=part.part_number, quantity=sale, unit_of_measure=part.unit_of_measure,
            unit_price_micros=position.moving_average_cost_micros * 13 // 10, currency="EUR", actor="demo"))
        watcher.drain(time.perf_counter())

        refill = part.contributed_quantity * 2
        console.print(f"\n2. A purchase receipt brings {refill} {part.unit_of_measure} back:")
        admin.ReceivePurchase(inv.ReceivePurchaseRequest(
            movement_id=str(uuid.uuid4()), purchase_order_number="PO-DEMO-1", part_number=part.part_number,
            quantity=refill, unit_of_measure=part.unit_of_measure, location_id=position.balances[0].location_id,
            lot_number="DEMO-LOT-1", production_date=time.strftime("%Y-%m-%d"),
            unit_cost_micros=position.moving_average_cost_micros, currency="EUR", actor="demo",
            quality_status=types.QUALITY_STATUS_RELEASED))
        watcher.drain(time.perf_counter())

        want = max(1, part.contributed_quantity // 3)
        line = types.DemandLine(line_id="1", part_number=part.part_number, quantity=want,
                                unit_of_measure=part.unit_of_measure, due_at=_due_in(48), destination="DEWOB")
        quote = stub.Quote(pb.QuoteRequest(demand_id="OEM-DEMO-1", lines=[line])).lines[0]
        console.print(f"\n3. An automaker asks for {want}: the node quotes {quote.stock_quantity} from stock "
                      f"(lots {', '.join(f'{lot.lot_number}×{lot.quantity}' for lot in quote.lots)}) and "
                      f"{quote.producible_quantity} producible by the due time, "
                      f"{quote.unit_price_micros / 1e6:.2f} {quote.currency}/unit. Reserving:")
        reservation_id = str(uuid.uuid4())
        stub.Reserve(pb.ReserveRequest(
            reservation_id=reservation_id, plan_id="PLAN-DEMO-1", demand_id="OEM-DEMO-1", ttl_seconds=300,
            lines=[pb.ReserveLine(line_id="1", part_number=part.part_number, quantity=want,
                                  unit_of_measure=part.unit_of_measure, source=types.SUPPLY_SOURCE_STOCK,
                                  due_at=line.due_at, destination="DEWOB")]))
        watcher.drain(time.perf_counter())

        console.print("\n4. The plan is confirmed: the reservation becomes a sales order and shipment:")
        confirmed = stub.Confirm(pb.ConfirmRequest(reservation_id=reservation_id)).reservation
        watcher.drain(time.perf_counter())
        console.print(f"   reservation {reservation_id[:8]}… is "
                      f"{types.ReservationState.Name(confirmed.state)}, sales order {confirmed.sales_order_number}")
        watcher.call.cancel()

        shares = list(stub.GetPoolShares(pb.GetPoolSharesRequest()).pool_shares)
        console.print(_pool_table(shares, "Pool shares afterwards"))
        reconcile = admin.Reconcile(inv.ReconcileRequest())
        verdict = "[green]balanced[/]" if reconcile.balanced else f"[red]{list(reconcile.mismatches)}[/]"
        console.print(f"Ledger reconciliation over {reconcile.movements_checked} movements: {verdict}")


def demo(
    workdir: Path = typer.Option(Path("var/demo"), help="Where the demo keeps its node database."),
    no_wait: bool = typer.Option(False, "--no-wait", help="Exit when the story is told."),
) -> None:
    """Run a supplier node end to end and show its pool share moving."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    database_url = f"sqlite:///{workdir / 'S01.db'}"
    key = str(workdir / "S01.key")
    started = time.perf_counter()
    run_cli("node", "init", "--db", database_url, "--member-id", "S01",
            "--name", "Huadong Brake Systems Co.", "--key", key, "--sample")
    node = start_node(database_url, extra_args=("--key", key))
    console.print(f"node serving: alliance {node.alliance_target}, admin {node.admin_target}")
    try:
        _story(node)
        console.print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")
        if not no_wait:
            console.print("node still serving; Ctrl-C to stop")
            node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
