"""The alliance certificate authority: one CA, short-lived certificates for every party.

A certificate names its holder twice: the subject common name is the member or client id and a
URI SAN `urn:alliance:<role>:<id>` carries the role, so a gRPC peer's identity can be read from
the TLS auth context without trusting anything the peer says in a request.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROLES = ("node", "coordinator", "client", "operator")
URI_PREFIX = "urn:alliance:"


class PkiError(Exception):
    """A certificate request or file the alliance refuses; the message says why."""


@dataclass(frozen=True)
class Issued:
    key_pem: bytes
    cert_pem: bytes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key() -> ec.EllipticCurvePrivateKey:
    # P-256: what every TLS stack (BoringSSL inside grpcio included) supports for mTLS.
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def create_ca(
    alliance_name: str, *, valid_days: int = 365, now: dt.datetime | None = None
) -> Issued:
    """A self-signed CA that may only sign end-entity certificates (path length 0)."""
    now = now or _now()
    key = _key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, alliance_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{alliance_name} alliance CA"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(_pem(key), cert.public_bytes(serialization.Encoding.PEM))


def issue(
    ca: Issued,
    identity: str,
    role: str,
    *,
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
    valid_hours: int = 24,
    now: dt.datetime | None = None,
) -> Issued:
    """A short-lived certificate for one party, usable as TLS server and client."""
    if role not in ROLES:
        raise PkiError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not identity or not identity.replace("-", "").replace("_", "").isalnum():
        raise PkiError(f"identity must be letters, digits, '-' or '_', not {identity!r}")
    if not 1 <= valid_hours <= 24 * 90:
        raise PkiError(f"validity must be between 1 hour and 90 days, not {valid_hours} h")
    now = now or _now()
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    key = _key()
    sans: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(f"{URI_PREFIX}{role}:{identity}"),
        # What a client checks when it dials a registered member (see `identity_host`).
        x509.DNSName(identity_host(identity, role)),
    ]
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                    x509.NameAttribute(NameOID.COMMON_NAME, identity),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=valid_hours))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return Issued(_pem(key), cert.public_bytes(serialization.Encoding.PEM))


def identity_host(identity: str, role: str) -> str:
    """The DNS name a party's certificate carries for its identity.

    gRPC clients check a server certificate's DNS names, not its URI: dialling a member with
    `grpc.ssl_target_name_override` set to this name makes the TLS handshake fail unless the
    certificate was issued to that identity, wherever the endpoint points.
    """
    label = identity.lower().replace("_", "-")
    return f"{label}.{role}.alliance"


def identity_of(cert_pem: bytes) -> tuple[str, str]:
    """(role, identity) named by a certificate's alliance URI SAN."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    for uri in san.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith(URI_PREFIX):
            role, _, identity = uri[len(URI_PREFIX) :].partition(":")
            return role, identity
    raise PkiError("certificate carries no alliance identity")


# --- files ---------------------------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    """Create with mode 0600 from the start: a key is never readable by others, even briefly."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def write(directory: Path, name: str, issued: Issued) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    if key_path.exists():
        raise PkiError(f"{key_path} exists; refusing to overwrite a key")
    _write_private(key_path, issued.key_pem)
    cert_path.write_bytes(issued.cert_pem)
    return key_path, cert_path


def read(directory: Path, name: str) -> Issued:
    try:
        return Issued(
            (directory / f"{name}.key").read_bytes(), (directory / f"{name}.crt").read_bytes()
        )
    except FileNotFoundError as exc:
        raise PkiError(
            f"no {name} key and certificate in {directory}: run `alliance pki` first"
        ) from exc
