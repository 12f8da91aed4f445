"""Signed notes, checkpoints, cosignatures and statements, against published reference data."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    add_signature,
    cosign,
    open_checkpoint,
    parse_body,
    sign_checkpoint,
    verify_cosignature,
)
from audit.ed25519 import Signer, Verifier
from audit.merkle import EMPTY_ROOT
from audit.note import (
    COSIGNATURE_V1_TYPE,
    NoteError,
    format_vkey,
    key_id,
    parse_note,
    parse_vkey,
)
from audit.statements import (
    SignedEntry,
    Statement,
    StatementError,
    parse_statement,
    sign_statement,
    verify_entry,
)

# golang.org/x/mod/sumdb/note's documented example: key, text and the signed note.
GO_SKEY_B64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# A tlog-cosignature/v1 (type 0x04) verifier key from transparency-dev's tests.
COSIGNER_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def _go_signer() -> Signer:
    seed = base64.b64decode(GO_SKEY_B64)[1:]
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def test_signed_note_reproduces_the_go_reference_byte_for_byte() -> None:
    signer = _go_signer()
    name, public_key = parse_vkey(GO_VKEY)
    assert (name, public_key) == ("PeterNeumann", signer.public_key)
    assert format_vkey("PeterNeumann", signer.public_key) == GO_VKEY
    note = parse_note(GO_NOTE)
    assert note.text == GO_TEXT
    (line,) = note.signatures
    assert line.key_id == key_id("PeterNeumann", 0x01, public_key)
    assert line.signature == signer.sign(GO_TEXT.encode())
    assert note.render() == GO_NOTE


def test_verifier_key_whose_base64_contains_a_plus() -> None:
    # transparency-dev/formats' test key "TEST", type 0x01, base64 with a '+'.
    name, key = parse_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert name == "TEST" and len(key) == 32
    assert format_vkey(name, key) == "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


def test_cosignature_key_id_matches_the_reference_vkey() -> None:
    name, kid_hex, material_b64 = COSIGNER_VKEY.split("+")
    material = base64.b64decode(material_b64)
    assert material[0] == COSIGNATURE_V1_TYPE
    assert key_id(name, COSIGNATURE_V1_TYPE, material[1:]).hex() == kid_hex


@pytest.mark.parametrize(
    "bad",
    [
        GO_TEXT,  # no signatures
        GO_NOTE.replace("\u2014", "-"),
        GO_NOTE[:-1],  # no final newline
        GO_NOTE.replace("x08go", "x08go\t"),
        GO_NOTE.replace("AM=\n", "AN=\n"),  # non-canonical base64 (unused bits set)
        GO_NOTE.replace("PeterNeumann x", "Peter+Neumann x"),
    ],
)
def test_malformed_notes_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        parse_note(bad)


def test_checkpoint_sign_open_and_cosign() -> None:
    log, witness = Signer.generate(), Signer.generate()
    checkpoint = Checkpoint("example.com/log", 7, bytes(range(32)))
    note = sign_checkpoint(checkpoint, "example.com/log", log)
    assert note.startswith("example.com/log\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n")
    opened, _ = open_checkpoint(note, "example.com/log", log.public_key)
    assert opened == checkpoint
    line = cosign(checkpoint.body(), "w.example/1", witness, 1_700_000_000)
    cosigned = add_signature(note, line)
    assert cosigned.count("\u2014 ") == 2
    parsed = parse_note(cosigned)
    assert (
        verify_cosignature(parsed.text, parsed.signatures[1], witness.public_key) == 1_700_000_000
    )
    with pytest.raises(CheckpointError):
        verify_cosignature(parsed.text, parsed.signatures[1], log.public_key)
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(note.replace("\n7\n", "\n8\n"), "example.com/log", log.public_key)
    with pytest.raises(CheckpointError, match="carries 0 signatures"):
        open_checkpoint(note, "example.com/log", witness.public_key)


@pytest.mark.parametrize("size", ["01", "-1", "1.0", " 1", "99999999999999999999"])
def test_checkpoint_size_must_be_plain_decimal(size: str) -> None:
    root = base64.b64encode(EMPTY_ROOT).decode()
    with pytest.raises(CheckpointError):
        parse_body(f"o\n{size}\n{root}\n")


def test_statement_bytes_are_rfc8785_and_signed() -> None:
    signer = Signer.generate()
    statement = Statement(
        "acme",
        "ledger_movement",
        1_764_000_000_000,
        ("quantity", "part_number", "quantity"),
        {"quantity": -3, "part_number": "PN-1", "note": "é\n"},
    )
    raw = statement.canonical_bytes()
    assert raw == (
        b'{"at_ms":1764000000000,"author":"acme","elements":["part_number","quantity"],'
        b'"kind":"ledger_movement","payload":{"note":"\xc3\xa9\\n","part_number":"PN-1",'
        b'"quantity":-3},"type":"alliance-audit-statement/v1"}'
    )
    entry = sign_statement(statement, signer)
    assert entry.leaf == raw + entry.signature and len(entry.signature) == 64
    assert SignedEntry.from_leaf(entry.leaf) == entry
    verify_entry(entry, Verifier(signer.public_key))
    assert parse_statement(raw).payload["quantity"] == -3
    with pytest.raises(StatementError):
        verify_entry(
            SignedEntry(raw.replace(b"-3", b"-4"), entry.signature), Verifier(signer.public_key)
        )


@pytest.mark.parametrize(
    "statement",
    [
        Statement("acme", "Ledger", 1, (), {}),
        Statement("", "quote", 1, (), {}),
        Statement("acme", "quote", -1, (), {}),
        Statement("acme", "quote", 1, ("Part Number",), {}),
        Statement("acme", "quote", 1, (), {"price": 1.5}),
        Statement("acme", "quote", 1, (), {"big": 2**60}),
    ],
)
def test_malformed_statements_are_refused(statement: Statement) -> None:
    with pytest.raises(StatementError):
        statement.canonical_bytes()
