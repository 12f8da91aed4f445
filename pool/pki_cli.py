"""`alliance pki`: create the alliance CA and issue short-lived certificates."""

from __future__ import annotations

from pathlib import Path

import typer

from pool import pki

app = typer.Typer(no_args_is_help=True, help="Alliance certificate authority.")

DirOption = typer.Option(
    Path("var/pki"), "--dir", help="Directory holding ca.key/ca.crt and issued files."
)


@app.command("init")
def init(
    alliance_name: str = typer.Option(..., "--alliance", help="Name of the alliance."),
    directory: Path = DirOption,
    valid_days: int = typer.Option(365, help="CA lifetime in days."),
) -> None:
    """Create the alliance certificate authority (ca.key, mode 0600, and ca.crt)."""
    try:
        key, cert = pki.write(directory, "ca", pki.create_ca(alliance_name, valid_days=valid_days))
    except pki.PkiError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"CA created: {cert} (key {key})")


@app.command("issue")
def issue(
    name: str = typer.Argument(..., help="Member id, 'coordinator', or a client id."),
    role: str = typer.Option(..., help=f"One of {', '.join(pki.ROLES)}."),
    directory: Path = DirOption,
    host: list[str] = typer.Option(  # noqa: B008 - Typer's way to declare a repeatable option
        ["localhost", "127.0.0.1"], help="DNS name or IP the holder serves on."
    ),
    valid_hours: int = typer.Option(24, help="Certificate lifetime in hours (short-lived)."),
) -> None:
    """Issue a certificate for a node, the coordinator or a client."""
    try:
        issued = pki.issue(
            pki.read(directory, "ca"), name, role, hosts=tuple(host), valid_hours=valid_hours
        )
        key, cert = pki.write(directory, name, issued)
    except pki.PkiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"issued {role} certificate for {name}: {cert} (key {key}), valid {valid_hours} h")


@app.command("revoke")
def revoke(
    name: str = typer.Argument(..., help="The identity whose certificate is revoked."),
    directory: Path = DirOption,
) -> None:
    """Add an identity to the alliance's deny list (revoked.txt beside ca.crt).

    Nodes serving over mutual TLS read that list from their --tls-dir (or
    ALLIANCE_NODE_DENY_LIST_PATH) and refuse the identity at once, although its short-lived
    certificate still verifies until it expires. Distribute the file as you do ca.crt.
    """
    from pool.tls import add_to_deny_list

    path = directory / "revoked.txt"
    if add_to_deny_list(path, name):
        typer.echo(f"{name} added to the deny list {path}")
    else:
        typer.echo(f"{name} is already on the deny list {path}")
