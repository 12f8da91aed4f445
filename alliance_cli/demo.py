"""`alliance demo`: a local alliance of 12 supplier nodes and the coordinator over mTLS takes an
automaker's urgent order, plans it, reserves and confirms it, and proves it in the audit logs."""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:  # the `alliance` command imports this module for every sub-command
    from pool.local_alliance import LocalAlliance

# Piped output (CI logs, `| less`) gets a wide page rather than rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 150)


def _eur(micros: int) -> str:
    return f"€{micros / 1e6:,.2f}"


def _clock(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%a %H:%M")


def _short(name: str) -> str:
    """'Huadong Brake Systems Co., Ltd.' -> 'Huadong Brake'"""
    return " ".join(name.split()[:2]).rstrip(",")


def _allocations(plan: dict[str, Any], demand: dict[str, Any], names: dict[str, str]) -> Table:
    lines = {line["line_id"]: line for line in demand["lines"]}
    table = Table(title="Allocations per line", title_justify="left", header_style="bold cyan")
    for column, justify in (
        ("line", "right"),
        ("part", "left"),
        ("to", "left"),
        ("wanted", "right"),
        ("supplier", "left"),
        ("source", "left"),
        ("qty", "right"),
        ("ships → arrives", "left"),
        ("landed cost", "right"),
        ("state", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "supplier")  # type: ignore[arg-type]
    previous = ""
    for a in sorted(plan["allocations"], key=lambda a: (a["line_id"], a["member_id"])):
        line = lines[a["line_id"]]
        first = a["line_id"] != previous
        previous = a["line_id"]
        state = a["state"]
        table.add_row(
            a["line_id"] if first else "",
            line["part_number"] if first else "",
            line["destination"] if first else "",
            str(line["quantity"]) if first else "",
            f"{a['member_id']} {_short(names.get(a['member_id'], ''))}",
            a["source"],
            str(a["quantity"]),
            f"{_clock(a['ship_at_ms'])} → {_clock(a['arrival_at_ms'])}",
            _eur(a["landed_cost_micros"]),
            f"[green]{state}[/]" if state == "confirmed" else f"[yellow]{state}[/]",
        )
    return table


def _shortages(plan: dict[str, Any]) -> Table:
    table = Table(title="Shortages", title_justify="left", header_style="bold magenta")
    for column in ("line", "part", "short", "reason", "why"):
        table.add_column(column, justify="right" if column == "short" else "left")
    for s in plan["shortages"]:
        table.add_row(s["line_id"], s["part_number"], str(s["quantity"]), s["reason"], s["text_en"])
    return table


def _explanations(plan: dict[str, Any], count: int = 3) -> Table:
    table = Table(
        title="Why (a sample of the plan's explanations)",
        title_justify="left",
        header_style="bold",
        show_lines=True,
    )
    table.add_column("line")
    table.add_column("English")
    table.add_column("中文")
    shown = [a for a in plan["allocations"] if a.get("explanation_en")][:count]
    for a in shown:
        table.add_row(a["line_id"], a["explanation_en"], a["explanation_zh"])
    for s in plan["shortages"][:1]:
        table.add_row(s["line_id"], s["text_en"], s["text_zh"])
    return table


def _summary(plan: dict[str, Any], demand: dict[str, Any], round_trip_s: float) -> Table:
    t = plan["timings_ms"]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    allocated = sum(a["quantity"] for a in plan["allocations"] if a["state"] == "confirmed")
    demanded = sum(line["quantity"] for line in demand["lines"])
    table.add_row(
        "status",
        f"[bold green]{demand['status']}[/]"
        if demand["status"] == "confirmed"
        else f"[bold red]{demand['status']}[/] {demand.get('failure', '')}",
    )
    table.add_row(
        "filled",
        f"{allocated:,} of {demanded:,} units ({plan['fill_rate_ppm'] / 1e4:.1f} %),"
        f" {len(plan['allocations'])} allocations, {len(plan['shortages'])} shortages",
    )
    table.add_row(
        "objective",
        f"{_eur(plan['objective_micros'])} landed cost incl. shortage "
        f"penalties; bound {_eur(plan['bound_micros'])}",
    )
    table.add_row(
        "solver",
        f"{plan['solver']}, gap {plan['gap_ppm'] / 1e4:.2f} %, revision {plan['revision']}",
    )
    left_out = ", ".join(f"{n['member_id']} ({n['reason']})" for n in plan["nodes_left_out"])
    table.add_row("nodes left out", left_out or "none")
    order = ("quote", "solve", "reserve", "confirm", "total")
    keys = sorted(t, key=lambda k: (order.index(k) if k in order else len(order), k))
    table.add_row("timings", "   ".join(f"{k} {t[k]:,} ms" for k in keys))
    table.add_row(
        "client", f"POST → confirmed seen by the automaker in {round_trip_s * 1000:.0f} ms"
    )
    return table


def _ledgers(alliance: LocalAlliance) -> str:
    from alliance.v1 import inventory_pb2 as inv

    balanced, movements = 0, 0
    for node in alliance.nodes.values():
        with node.admin() as admin:
            result = admin.Reconcile(inv.ReconcileRequest(), timeout=10)
        balanced += int(result.balanced)
        movements += result.movements_checked
    return f"{balanced}/{len(alliance.nodes)} node ledgers reconcile ({movements:,} movements)"


def _run(alliance: LocalAlliance, started: float) -> bool:
    from pool.demo_data import urgent_order
    from pool.local_alliance import OPS, TENANT_NAME, verify_audit_logs

    names = {m: n.books.supplier.name for m, n in alliance.nodes.items()}
    pools = alliance.coordinator.pool_view(OPS)
    free = sum(p.free_quantity for p in pools)
    console.print(f"   pool: {len(pools)} parts, {free:,} units free across {len(names)} suppliers")

    order = urgent_order([n.books for n in alliance.nodes.values()])
    console.rule(f"[bold]Urgent order from {TENANT_NAME}")
    console.print(
        f"   {len(order)} lines, {sum(o.quantity for o in order):,} units, due in "
        f"{min(o.due_in_h for o in order)}–{max(o.due_in_h for o in order)} h at "
        f"{', '.join(sorted({o.destination for o in order}))}"
    )
    with alliance.client() as client:
        sent = time.perf_counter()
        demand = alliance.submit(client, order, reference="LINE-DOWN-0611")
        console.print(
            f"   POST /v1/demands → [bold]{demand['demand_id']}[/] ({demand['status']}); "
            "waiting for the plan to be confirmed on the nodes…"
        )
        demand = alliance.wait_final(client, demand["demand_id"], timeout_s=45)
        round_trip_s = time.perf_counter() - sent
    plan = demand["plan"]
    if plan is None:
        console.print(f"[red]no plan: {demand.get('failure')}[/]")
        return False
    plan["fill_rate_ppm"] = plan.get("fill_rate_ppm") or _fill_rate(plan, demand)
    console.print(_allocations(plan, demand, names))
    if plan["shortages"]:
        console.print(_shortages(plan))
    console.print(_explanations(plan))
    console.print(
        Panel(
            _summary(plan, demand, round_trip_s),
            title=f"Plan {plan['plan_id']}",
            title_align="left",
            border_style="green",
        )
    )

    console.rule("[bold]Books and audit")
    console.print(f"   {_ledgers(alliance)}")
    ok = demand["status"] == "confirmed"
    for check in verify_audit_logs(alliance, alliance.workdir / "audit"):
        if check.ok is None:
            mark = "[yellow]–[/]"
        else:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            ok = ok and check.ok
        origin = check.origin or "-"
        console.print(
            f"   {mark} {check.name:<11} {check.entries:>5} entries  {origin:<28} {check.detail}"
        )
    console.print(f"   exports in {alliance.workdir / 'audit'}")
    console.print(f"\ndemo finished in [bold]{time.perf_counter() - started:.1f} s[/]")
    return ok


def _fill_rate(plan: dict[str, Any], demand: dict[str, Any]) -> int:
    demanded = sum(line["quantity"] for line in demand["lines"])
    allocated = sum(a["quantity"] for a in plan["allocations"] if a["state"] == "confirmed")
    return allocated * 1_000_000 // demanded if demanded else 0


def demo(
    workdir: Annotated[Path, typer.Option(help="Where the demo keeps its alliance.")] = Path(
        "var/demo"
    ),
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Shut down when done.")] = False,
    port: Annotated[int, typer.Option(help="Dashboard port (a free one if taken).")] = 8080,
) -> None:
    """A 12-supplier alliance on this machine: an urgent order planned, confirmed, audited."""
    started = time.perf_counter()
    from pool.local_alliance import quiet_logs, start_alliance

    quiet_logs()

    shutil.rmtree(workdir, ignore_errors=True)
    console.rule("[bold]Open federated inventory pool: a local alliance")

    def report(message: str) -> None:
        console.print(f"   [green]✓[/] {message}  [dim]{time.perf_counter() - started:5.1f} s[/]")

    alliance = start_alliance(workdir, http_port=port, report=report)
    try:
        ok = _run(alliance, started)
        console.print(
            Panel(
                f"Dashboard  [bold]{alliance.base_url}/dashboard[/]\n"
                f"Operator key  [bold]{alliance.operator_key}[/]",
                title="Operations dashboard",
                title_align="left",
                border_style="cyan",
            )
        )
        if not no_wait:
            console.print("the alliance keeps serving; Ctrl-C to stop")
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        console.print("[dim]stopping the coordinator and 12 nodes…[/]")
        alliance.close()
    if not ok:
        raise typer.Exit(1)
