"""`alliance dict`: look up the data dictionary and validate its file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import dictionary
from dictionary.align import cli as align_commands
from dictionary.errors import DictionaryError
from dictionary.model import Dictionary, Element

app = typer.Typer(no_args_is_help=True, help="The alliance data dictionary.")
console = Console()
align_commands.register(app)

DictionaryPath = Annotated[
    Path | None,
    typer.Option("--dictionary", help="Dictionary YAML file (default: the alliance's own)."),
]


@app.command("show")
def show(
    element_id: Annotated[str | None, typer.Argument(metavar="[ELEMENT]")] = None,
    path: DictionaryPath = None,
) -> None:
    """List every element, or show one element in full."""
    d = _load(path)
    if element_id is None:
        console.print(_elements_table(d))
        return
    try:
        element = d.element(element_id)
    except DictionaryError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    _show_element(d, element)


@app.command("validate-file")
def validate_file(
    path: Annotated[Path | None, typer.Argument(help="Default: the alliance's own file.")] = None,
) -> None:
    """Validate a dictionary YAML file, check it against the alliance.v1 contract and check the
    synonym files against it."""
    from dictionary.align.knowledge import load_knowledge
    from dictionary.contract import check_contract

    d = _load(path)
    try:
        knowledge = load_knowledge(d)
    except DictionaryError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    problems = check_contract(d)
    for problem in problems:
        console.print(f"[red]contract:[/red] {problem}")
    if problems:
        console.print(
            f"[red]{len(problems)} problem(s) between the dictionary and the contract[/red]"
        )
        raise typer.Exit(1)
    exchanged = sum(e.exchanged for e in d.elements)
    console.print(
        f"[green]ok[/green] dictionary {d.version}: {len(d.elements)} elements "
        f"({exchanged} exchanged), {len(d.code_lists)} code lists; the contract agrees; "
        f"{len(knowledge.by_element)} synonym files agree"
    )


def _load(path: Path | None) -> Dictionary:
    try:
        return dictionary.load(path)
    except (DictionaryError, OSError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _unit(element: Element) -> str:
    if element.unit:
        return element.unit
    if element.unit_ref:
        unit = f"↦ {element.unit_ref}"
        return f"{unit} / {element.per}" if element.per else unit
    return ""


def _elements_table(d: Dictionary) -> Table:
    table = Table(title=f"Alliance data dictionary {d.version}")
    table.add_column("element", no_wrap=True)
    for column in ("name", "名称", "type", "unit", "status", "exchanged"):
        table.add_column(column)
    for e in sorted(d.elements, key=lambda e: e.id):
        table.add_row(
            e.id,
            e.name.en,
            e.name.zh,
            e.data_type.value,
            _unit(e),
            e.status.value,
            "yes" if e.exchanged else "",
        )
    return table


def _show_element(d: Dictionary, e: Element) -> None:
    facts = Table(show_header=False, title=f"{e.id} (version {e.version})")
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("name", f"{e.name.en} / {e.name.zh}")
    facts.add_row("definition", e.definition.en)
    facts.add_row("定义", e.definition.zh)
    facts.add_row("data type", e.data_type.value + (f" (10^-{e.scale})" if e.scale else ""))
    facts.add_row("unit", _unit(e) or "none")
    domain = e.value_domain.model_dump(exclude_none=True)
    facts.add_row("value domain", ", ".join(f"{k}: {v}" for k, v in domain.items()) or "any")
    facts.add_row("status", e.status.value)
    facts.add_row("exchanged", "yes" if e.exchanged else "no")
    console.print(facts)
    if (code_list := d.code_list_of(e)) is not None:
        codes = Table(title=f"code list {code_list.id} ({code_list.source})")
        for column in ("code", "en", "zh"):
            codes.add_column(column)
        for entry in code_list.entries:
            codes.add_row(entry.code, entry.en, entry.zh)
        console.print(codes)
    _show_names(d, e)
    if e.references:
        refs = Table(title="references")
        for column in ("system", "reference", "note"):
            refs.add_column(column)
        for ref in e.references:
            note = " ".join(filter(None, [ref.note, "(approximate)" if ref.approximate else None]))
            refs.add_row(ref.system, ref.ref, note)
        console.print(refs)


def _show_names(d: Dictionary, e: Element) -> None:
    from dictionary.align.knowledge import default_knowledge

    synonyms = default_knowledge(d).for_element(e.id)
    if not synonyms.names and not synonyms.weak_names:
        return
    names = Table(title="names in exports (synonyms/" + e.id + ".yaml)")
    names.add_column("kind")
    names.add_column("names", overflow="fold")
    for category, values in synonyms.names.items():
        names.add_row(category, ", ".join(values))
    if synonyms.weak_names:
        names.add_row("ambiguous", ", ".join(synonyms.weak_names))
    console.print(names)
