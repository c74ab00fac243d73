"""Certificates as uccert sees them: an identity cert of a unit, or a cert in a trust store.

`CertInfo.from_x509` reads everything the checks and the inventory need out of a parsed
certificate once, so nothing downstream touches ASN.1. Serials are kept as lowercase hex with no
separators and no leading zeros (`normalize_serial`), so a serial read from the CLI, from a
PEM file or from the wire compares equal when it is the same number.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from uccert.catalog import KeyAlgorithm


class Distribution(StrEnum):
    """§2: a CA-signed cert is distributed to one node, or (SAN) to several."""

    SINGLE = "single"
    MULTI = "multi"


class UnsupportedCertificateError(ValueError):
    """A certificate uccert cannot describe (a key that is neither RSA nor EC)."""


def normalize_serial(text: str) -> str:
    """`"00:AB:cd"`, `"ab cd"`, `"0xABCD"` -> `"abcd"`: lowercase hex, no separators or zeros."""
    cleaned = "".join(text.split()).replace(":", "").replace("-", "").lower()
    cleaned = cleaned.removeprefix("0x")
    try:
        value = int(cleaned, 16)
    except ValueError:
        raise ValueError(f"not a hexadecimal serial number: {text!r}") from None
    return format(value, "x")


def distribution_of(san_dns_names: Iterable[str], node_fqdns: Iterable[str]) -> Distribution:
    """MULTI when the SAN dNSNames name more than one node of the cluster (case-insensitive)."""
    nodes = {f.lower().rstrip(".") for f in node_fqdns}
    named = {n.lower().rstrip(".") for n in san_dns_names} & nodes
    return Distribution.MULTI if len(named) > 1 else Distribution.SINGLE


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _common_name(name: x509.Name) -> str:
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attributes:
        return ""
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _is_self_signed(cert: x509.Certificate) -> bool:
    # Only a self-issued cert (subject == issuer) can be self-signed: no signature to check
    # otherwise. The check itself is memoised, the same cert being read many times (on its
    # node, and a copy in the trust stores of every peer).
    return cert.subject == cert.issuer and _verifies_itself(cert)


@lru_cache(maxsize=4096)
def _verifies_itself(cert: x509.Certificate) -> bool:
    """Whether `cert` is signed by its own key. Pure; `x509.Certificate` hashes and compares by
    its DER encoding, so the cache is keyed by the cert's bytes, not by the object."""
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _san_dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.value.get_values_for_type(x509.DNSName))


@dataclass(frozen=True)
class CertInfo:
    """One certificate. `unit` is the identity unit (`tomcat`) or, in a trust entry, the store
    (`tomcat-trust`) it was read from; `file` as `show cert list` prints it."""

    unit: str
    file: str
    subject_cn: str
    issuer_cn: str
    self_signed: bool
    distribution: Distribution
    key_type: KeyAlgorithm
    key_bits: int
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str
    pem: str
    san_dns_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.serial != normalize_serial(self.serial):
            raise ValueError(
                f"serial {self.serial!r} of {self.file} is not canonical: "
                f"pass normalize_serial(...) = {normalize_serial(self.serial)!r}"
            )
        object.__setattr__(self, "not_before", _utc(self.not_before, "not_before"))
        object.__setattr__(self, "not_after", _utc(self.not_after, "not_after"))
        object.__setattr__(self, "sha256", self.sha256.replace(":", "").lower())

    @classmethod
    def from_x509(
        cls,
        cert: x509.Certificate,
        unit_or_store: str,
        file: str,
        node_fqdns: Iterable[str] = (),
    ) -> CertInfo:
        """Describe `cert`; `node_fqdns` (the cluster's nodes) decide its `distribution`."""
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            key_type = KeyAlgorithm.RSA
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key_type = KeyAlgorithm.EC
        else:
            raise UnsupportedCertificateError(
                f"{file} in {unit_or_store} has a {type(key).__name__} key: CUCM and IM/P "
                "certificates are RSA or EC; check that the right file was read"
            )
        sans = _san_dns_names(cert)
        return cls(
            unit=unit_or_store,
            file=file,
            subject_cn=_common_name(cert.subject),
            issuer_cn=_common_name(cert.issuer),
            self_signed=_is_self_signed(cert),
            distribution=distribution_of(sans, node_fqdns),
            key_type=key_type,
            key_bits=key.key_size,
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
            pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            san_dns_names=sans,
        )

    def is_expired(self, now: datetime) -> bool:
        """RFC 5280: valid through `not_after` inclusive; expired once `now` is past it."""
        return _utc(now, "now") > self.not_after


@dataclass(frozen=True)
class TrustEntry:
    """A cert in a node's trust store (`store` ends in `-trust`)."""

    store: str
    file: str
    cert: CertInfo
