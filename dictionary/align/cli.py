"""`alliance dict suggest | check | apply`: field alignment from the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from dictionary.align.check import CheckReport, check
from dictionary.align.mapping import Mapping, load_mapping
from dictionary.align.suggest import Suggester
from dictionary.align.tables import Table, TableError, read_table
from dictionary.errors import DictionaryError

console = Console()
LARGE_FILE = 2_000_000  # bytes; larger files get a progress display
SHOWN_ERRORS = 50

FileArg = Annotated[
    Path, typer.Argument(help="CSV (UTF-8, UTF-8 BOM, GBK/GB18030) or XLSX export.")
]
MappingOpt = Annotated[Path, typer.Option("--mapping", "-m", help="Mapping file from `suggest`.")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet (default: the first).")]


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest_command)
    app.command("check")(check_command)
    app.command("apply")(apply_command)


def suggest_command(
    file: FileArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the mapping here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per column.")] = False,
    sheet: SheetOpt = None,
) -> None:
    """Propose the dictionary element of each column, with confidence and evidence."""
    table = _table(file, sheet)
    with _progress(file, "reading and profiling") as tick:
        mapping = Suggester().suggest(table, on_row=tick)
    if as_json:
        for column in mapping.columns:
            print(
                json.dumps(
                    {
                        "column": column.column,
                        "element": column.element,
                        "confidence": column.confidence,
                        "alternatives": [a.model_dump() for a in column.alternatives],
                        "evidence": column.evidence,
                        "transform": column.transform,
                    },
                    ensure_ascii=False,
                )
            )
    else:
        _show_suggestion(mapping, table)
    if out is not None:
        out.write_text(mapping.dump(), encoding="utf-8")
        if not as_json:
            console.print(
                f"mapping written to [bold]{out}[/bold]; edit it, then "
                f"`alliance dict check {file} --mapping {out}`"
            )


def check_command(file: FileArg, mapping: MappingOpt, sheet: SheetOpt = None) -> None:
    """Validate every row against the dictionary: types, units, codes, required, duplicates."""
    report = _check(file, mapping, sheet)
    _show_report(report)
    if not report.ok:
        raise typer.Exit(1)


def apply_command(
    file: FileArg,
    mapping: MappingOpt,
    node: Annotated[str, typer.Option("--node", help="The node's database URL or SQLite file.")],
    actor: Annotated[
        str, typer.Option("--actor", help="Who books the receipts.")
    ] = "alliance-dict",
    sheet: SheetOpt = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="The node's audit key (default: ALLIANCE_NODE_AUDIT_KEY_PATH); a node that "
            "keeps a signed log books nothing without it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Load a stock export into a node in one transaction: every row, or none."""
    from dictionary.align.apply import apply
    from node.service.factory import open_node
    from node.settings import NodeSettings

    report = _check(file, mapping, sheet)
    if not report.ok:
        _show_report(report)
        console.print("[red]nothing was applied[/red]")
        raise typer.Exit(1)
    url = node if "://" in node else f"sqlite:///{Path(node).resolve()}"
    try:
        key_path = key or NodeSettings().audit_key_path
        if key is not None and not key.exists():
            raise FileNotFoundError(f"no audit key at {key}")
        service = open_node(url, audit_key_path=key_path if key_path.exists() else None)
    except Exception as exc:  # noqa: BLE001 - any failure to open is reported the same way
        console.print(f"[red]cannot open the node at {node}: {exc}[/red]")
        raise typer.Exit(1) from None
    try:
        result = apply(service, report, file.read_bytes(), actor)
    finally:
        close = getattr(service, "close", None)
        if callable(close):
            close()
    for error in result.errors[:SHOWN_ERRORS]:
        console.print(f"[red]{error}[/red]")
    if not result.ok:
        console.print("[red]nothing was applied[/red]")
        raise typer.Exit(1)
    console.print(
        f"[green]applied[/green] {result.rows} rows as {result.receipts} receipts"
        " in one transaction"
    )


def _table(file: Path, sheet: str | None) -> Table:
    try:
        return read_table(file, sheet=sheet)
    except (TableError, KeyError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _check(file: Path, mapping_path: Path, sheet: str | None) -> CheckReport:
    try:
        mapping: Mapping = load_mapping(mapping_path)
    except DictionaryError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    table = _table(file, sheet or mapping.source.sheet)
    with _progress(file, "checking rows") as tick:
        return check(table, mapping, on_row=tick)


@contextmanager
def _progress(file: Path, what: str) -> Iterator[Callable[[int], None] | None]:
    if not file.exists() or file.stat().st_size < LARGE_FILE:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"{file.name}: {what}", total=None)
        yield lambda rows: progress.update(task, completed=rows)


def _show_suggestion(mapping: Mapping, table: Table) -> None:
    view = RichTable(title=f"{table.path.name}: proposed elements ({mapping.kind})")
    for name in ("column", "element", "confidence", "sample values", "evidence", "alternatives"):
        view.add_column(name, overflow="fold")
    for c in mapping.columns:
        element = c.element or "[dim]unmapped[/dim]"
        colour = "green" if c.confidence >= 0.8 else "yellow" if c.element else "dim"
        transform = ", ".join(f"{k}={v}" for k, v in c.transform.items() if k != "codes")
        if "codes" in c.transform:
            transform += (", " if transform else "") + f"codes: {len(c.transform['codes'])} mapped"
        evidence = "; ".join(c.evidence[:3]) + (f"\n→ {transform}" if transform else "")
        view.add_row(
            c.column,
            element,
            f"[{colour}]{c.confidence:.2f}[/{colour}]",
            ", ".join(c.samples[:3]),
            evidence,
            ", ".join(f"{a.element} {a.confidence:.2f}" for a in c.alternatives),
        )
    console.print(view)
    mapped = sum(1 for c in mapping.columns if c.element)
    source = table.encoding or f"sheet {table.sheet}"
    console.print(
        f"{mapped} of {len(mapping.columns)} columns mapped; read as {source}, "
        f"header on row {table.header_row}"
    )
    for rule in mapping.derived:
        console.print(f"derived: {rule.element} = {rule.rule}")


def _show_report(report: CheckReport) -> None:
    if report.errors:
        view = RichTable(title="problems")
        for name in ("row", "column", "value", "problem"):
            view.add_column(name, overflow="fold")
        for e in report.errors[:SHOWN_ERRORS]:
            view.add_row("file" if e.row == 0 else str(e.row), e.column or "", e.value, e.message)
        console.print(view)
        if len(report.errors) > SHOWN_ERRORS:
            console.print(f"... and {len(report.errors) - SHOWN_ERRORS} more")
        summary = ", ".join(f"{n} {k}" for k, n in report.by_kind().most_common())
        console.print(
            f"[red]{len(report.errors)} problem(s) in {report.bad_rows} of {report.rows} rows:"
            f" {summary}[/red]"
        )
    else:
        console.print(f"[green]ok[/green] {report.rows} rows valid ({report.kind})")
