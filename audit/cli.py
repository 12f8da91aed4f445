"""`alliance audit ...`: keys, export, and offline verification of signed audit logs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from audit.keys import KeyFileError, generate_keypair
from audit.note import NoteError, b64decode, b64encode, format_vkey, parse_vkey
from audit.verify import TrustedKey, VerificationError, verify_export

app = typer.Typer(no_args_is_help=True, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

TrustedKeysOption = Annotated[
    list[str] | None,
    typer.Option(
        "--trusted-key",
        help="The log's public key: a verifier key (name+id+key), base64 of the raw 32 bytes, "
        "or a file holding either. Repeatable.",
        show_default=False,
    ),
]


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]FAILED[/]: {message}")
    return typer.Exit(1)


def parse_trusted_key(text: str) -> TrustedKey:
    candidate = Path(text)
    if len(text) < 4096 and candidate.is_file():
        text = candidate.read_text(encoding="utf-8")
    text = text.strip()
    try:
        name, key = parse_vkey(text)
        return TrustedKey(key, name)
    except NoteError:
        pass
    try:
        key = b64decode(text, "trusted key")
    except NoteError as exc:
        raise fail(f"--trusted-key: {exc}") from None
    if len(key) != 32:
        raise fail("--trusted-key: not a 32-byte Ed25519 public key")
    return TrustedKey(key)


@app.command()
def keygen(
    private_key: Annotated[Path, typer.Argument(help="Where to write the private key (0600).")],
    name: Annotated[
        str | None, typer.Option(help="Key name (log origin or witness name) for a vkey.")
    ] = None,
) -> None:
    """Write a new Ed25519 key pair: PRIVATE_KEY (mode 0600) and PRIVATE_KEY.pub."""
    public_path = private_key.with_name(private_key.name + ".pub")
    if public_path.exists():
        raise fail(f"refusing to overwrite {public_path}")
    try:
        public_key = generate_keypair(private_key)
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    published = format_vkey(name, public_key) if name else b64encode(public_key)
    public_path.write_text(published + "\n", encoding="utf-8")
    out.print(f"private key: {private_key}")
    out.print(f"public key:  {b64encode(public_key)}")
    if name:
        out.print(f"verifier key: {published}")


@app.command()
def export(
    db: Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the log's database.")],
    out_file: Annotated[Path, typer.Option("--out", help="Export file to write.")],
    origin: Annotated[
        str | None, typer.Option(help="Which log, when the database holds several.")
    ] = None,
) -> None:
    """Write the log up to its latest checkpoint, the checkpoint and every key to one file."""
    import sqlalchemy as sa

    from audit.export import export_to_file
    from audit.store import AuditStoreError, LogReader

    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            origins = LogReader.origins(conn)
            if origin is None and len(origins) != 1:
                raise fail(f"the database holds logs {origins}: choose one with --origin")
            reader = LogReader(origin or origins[0])
            header = export_to_file(conn, reader, out_file)
            behind = reader.size(conn) - header.tree_size
    except (AuditStoreError, sa.exc.SQLAlchemyError) as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    out.print(f"exported {header.tree_size} entries of {header.origin} to {out_file}")
    if behind:
        out.print(f"{behind} newer entries await the next checkpoint and are not exported")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="Export file.")],
    trusted_key: TrustedKeysOption = None,
    previous_checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint note obtained earlier; the export must extend it."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
) -> None:
    """Check every signature, the root, the checkpoint, its cosignatures and consistency."""
    trusted = [parse_trusted_key(k) for k in trusted_key or []]
    try:
        previous = previous_checkpoint.read_text(encoding="utf-8") if previous_checkpoint else None
        report = verify_export(file, trusted, previous, workers)
    except (VerificationError, OSError, UnicodeDecodeError) as exc:
        raise fail(str(exc)) from None
    out.print(f"OK: {report.tree_size} entries of {report.origin}, all signatures valid")
    out.print(f"root hash {b64encode(report.root_hash)} matches the signed checkpoint")
    out.print(f"authors: {', '.join(report.authors) or '-'}")
    out.print(f"cosigned by: {', '.join(report.witnesses) or 'no witness'}")
    if report.previous_size is not None:
        out.print(f"extends the previous checkpoint of size {report.previous_size}")
    if not report.log_key_trusted:
        out.print("warning: log key not pinned (use --trusted-key); verified against the file")


@app.command()
def prove(
    file: Annotated[Path, typer.Argument(help="Export file.")],
    entry: Annotated[int, typer.Option("--entry", help="Leaf index of the entry.")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the bundle here (default: stdout).")
    ] = None,
) -> None:
    """Print an inclusion proof bundle for one entry, verifiable with `verify-proof`."""
    from audit.bundle import build_bundle
    from audit.export import ExportFormatError

    try:
        bundle = build_bundle(file, entry)
    except (VerificationError, ExportFormatError, ValueError, KeyError, OSError) as exc:
        raise fail(str(exc)) from None
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text, encoding="utf-8")


@app.command("verify-proof")
def verify_proof(
    bundle_file: Annotated[Path, typer.Argument(help="Bundle written by `prove`.")],
    trusted_key: TrustedKeysOption = None,
) -> None:
    """Check a bundle: the statement's signature, its inclusion, the signed checkpoint."""
    from audit.bundle import verify_bundle

    trusted = [parse_trusted_key(k) for k in trusted_key or []]
    try:
        bundle = json.loads(bundle_file.read_text(encoding="utf-8"))
        if not isinstance(bundle, dict):
            raise VerificationError("bundle is not a JSON object")
        proven = verify_bundle(bundle, trusted)
    except (VerificationError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(str(exc)) from None
    statement = proven.statement
    out.print(
        f"OK: entry {proven.index} ({statement.kind} by {statement.author} at "
        f"{statement.at_ms} ms) is in {proven.origin} at size {proven.tree_size}"
    )
    out.print(f"cosigned by: {', '.join(proven.witnesses) or 'no witness'}")
    if not proven.log_key_trusted:
        out.print("warning: log key not pinned (use --trusted-key); verified against the file")


@app.command()
def checkpoint(
    db: Annotated[str, typer.Option("--db", help="SQLAlchemy URL of the log's database.")],
    key: Annotated[Path, typer.Option("--key", help="The log's private key file.")],
    origin: Annotated[str, typer.Option(help="The log's origin.")],
) -> None:
    """Sign a checkpoint of the log as it is now and print it."""
    import sqlalchemy as sa

    from audit.ed25519 import Signer
    from audit.keys import load_private_key
    from audit.store import AuditStoreError, LogStore

    try:
        signer = Signer(load_private_key(key))
    except KeyFileError as exc:
        raise fail(str(exc)) from None
    engine = sa.create_engine(db)
    try:
        with engine.begin() as conn:
            note = LogStore(origin, signer, member_id=origin).sign_checkpoint(conn)
    except (AuditStoreError, sa.exc.SQLAlchemyError) as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    sys.stdout.write(note)
