"""The lab's test CA: a root and an issuing intermediate that sign CSRs from lab nodes, so the
whole CA-signed route (CSR, signing, upload, restarts, client bundle) runs in tests and demos.

Part of the lab, so it imports nothing of the client side. Files in its directory:

- ``root.pem`` / ``root.key`` (key 0600): ``uccert Lab Root CA``, self-signed, 10 years;
- ``intermediate.pem`` / ``intermediate.key`` (key 0600): ``uccert Lab Issuing CA``, 5 years;
- ``chain.pem``: intermediate then root, what ``uccert upload --chain`` takes.

Leaves get what a Windows CA "web server + client" template gives: basicConstraints cA=false,
keyUsage digitalSignature (+ keyEncipherment for RSA), extendedKeyUsage serverAuth and
clientAuth, the CSR's subject and SANs, 1 year by default. Keys are ECDSA P-256 (fast; what
signs the leaf does not change what the node checks).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CN: Final = "uccert Lab Root CA"
INTERMEDIATE_CN: Final = "uccert Lab Issuing CA"
ROOT_DAYS: Final = 3650
INTERMEDIATE_DAYS: Final = 1825
LEAF_DAYS: Final = 365
ROOT_CERT, ROOT_KEY = "root.pem", "root.key"
INTER_CERT, INTER_KEY = "intermediate.pem", "intermediate.key"
CHAIN: Final = "chain.pem"
BACKDATE: Final = timedelta(minutes=5)  # tolerate small clock differences


class LabCaError(Exception):
    """A problem with the lab CA's directory or a CSR; the message says what to do."""


@dataclass(frozen=True)
class LabCa:
    directory: Path
    root: x509.Certificate
    intermediate: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey

    @property
    def chain_path(self) -> Path:
        return self.directory / CHAIN

    @property
    def root_path(self) -> Path:
        return self.directory / ROOT_CERT


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "uccert lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca_cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    start: datetime,
    days: int,
    path_length: int | None,
    issuer_cert: x509.Certificate | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
    )
    if issuer_cert is not None:
        ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, data: bytes, private: bool) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def init_ca(directory: Path, *, force: bool = False, now: datetime | None = None) -> LabCa:
    """Create a new root and intermediate in ``directory`` (refuses to overwrite one)."""
    if directory.exists() and not directory.is_dir():
        raise LabCaError(f"{directory} is not a directory: pick another --dir")
    if (directory / ROOT_KEY).exists() and not force:
        raise LabCaError(
            f"a lab CA already exists in {directory}: use it, or pass --force to replace it "
            "(certs it signed will no longer chain)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    start = (now or datetime.now(UTC)).replace(microsecond=0) - BACKDATE
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(ROOT_CN)
    root = _ca_cert(root_name, root_key, root_name, root_key, start, ROOT_DAYS, None)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = _ca_cert(
        _name(INTERMEDIATE_CN), inter_key, root_name, root_key, start, INTERMEDIATE_DAYS, 0, root
    )
    _write(directory / ROOT_KEY, _key_pem(root_key), private=True)
    _write(directory / INTER_KEY, _key_pem(inter_key), private=True)
    _write(directory / ROOT_CERT, _cert_pem(root), private=False)
    _write(directory / INTER_CERT, _cert_pem(inter), private=False)
    _write(directory / CHAIN, _cert_pem(inter) + _cert_pem(root), private=False)
    return LabCa(directory, root, inter, inter_key)


def load_ca(directory: Path) -> LabCa:
    """The CA in ``directory``; LabCaError naming ``uccert lab ca init`` when there is none."""
    try:
        root = x509.load_pem_x509_certificate((directory / ROOT_CERT).read_bytes())
        inter = x509.load_pem_x509_certificate((directory / INTER_CERT).read_bytes())
        key = serialization.load_pem_private_key((directory / INTER_KEY).read_bytes(), None)
    except FileNotFoundError:
        raise LabCaError(
            f"no lab CA in {directory}: create one with `uccert lab ca init --dir {directory}`"
        ) from None
    except (OSError, ValueError) as exc:
        raise LabCaError(f"cannot read the lab CA in {directory} ({exc}): run init again") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise LabCaError(f"{directory / INTER_KEY} is not the lab CA's key: run init again")
    return LabCa(directory, root, inter, key)


def load_csr(pem: bytes, source: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(pem)
    except ValueError:
        raise LabCaError(f"{source} is not a PEM certificate request: give the CSR file") from None
    if not csr.is_signature_valid:
        raise LabCaError(f"{source} has an invalid signature: generate the CSR again")
    return csr


def sign_csr(
    ca: LabCa,
    csr: x509.CertificateSigningRequest,
    *,
    days: int = LEAF_DAYS,
    not_before: datetime | None = None,
    extra_names: Sequence[str] = (),
) -> x509.Certificate:
    """A leaf for ``csr``: its subject and SANs (plus ``extra_names``), TLS server + client."""
    if days < 1:
        raise LabCaError(f"days must be 1 or more, got {days}")
    start = (not_before or datetime.now(UTC)).replace(microsecond=0) - BACKDATE
    try:
        names = list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        names = []
    names += [x509.DNSName(n) for n in extra_names if x509.DNSName(n) not in names]
    is_rsa = isinstance(csr.public_key(), rsa.RSAPublicKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.intermediate.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=is_rsa,
                data_encipherment=False,
                key_agreement=not is_rsa,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(csr.public_key()),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.intermediate_key.public_key()),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca.intermediate_key, hashes.SHA256())


def write_cert(path: Path, cert: x509.Certificate) -> None:
    _write(path, _cert_pem(cert), private=False)
