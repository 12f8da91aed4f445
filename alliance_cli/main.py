"""The `alliance` command: one sub-command group per role."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="alliance",
    help="Open federated inventory pool for supplier alliances.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    # Each group lives beside the code it drives; one line per group.
    from node.cli import app as node_app

    app.add_typer(node_app, name="node", help="Run and operate a supplier inventory node.")
    from pool.pki_cli import app as pki_app

    app.add_typer(pki_app, name="pki", help="Alliance certificate authority.")
    from dictionary.cli import app as dict_app

    app.add_typer(dict_app, name="dict", help="The alliance data dictionary and field alignment.")
    from audit.cli import app as audit_app

    app.add_typer(audit_app, name="audit", help="Signed audit logs: keys, export, verification.")
    from pool.cli import app as pool_app

    app.add_typer(pool_app, name="pool", help="Run and operate the pool coordinator.")
    from alliance_cli.demo import demo

    app.command("demo")(demo)


_register()

if __name__ == "__main__":
    app()
