"""``show cert own <unit>[/<file>.pem]`` and ``show cert trust <store>/<file>.pem`` [seen].

The node prints a Java-style dump in brackets, then (own certificates; trust ones maybe not
[guess]) the PEM block, which may start on the closing ``]`` line::

    [
      Version: V3
      Serial Number: 6F1C0A3B9D2E4F5A6B7C8D9E0F1A2B3C
      SignatureAlgorithm: SHA256withRSA (1.2.840.113549.1.1.11)
      Issuer Name: L=Tokyo, ST=Tokyo, CN=imp-pub.lab.example, OU=UC, O=Example, C=JP
      Validity From: Mon Nov 30 09:12:44 UTC 2026
               To:   Sat Nov 29 09:12:43 UTC 2031
      Subject Name: L=Tokyo, ST=Tokyo, CN=imp-pub.lab.example, OU=UC, O=Example, C=JP
      Key: RSA (1.2.840.113549.1.1.1)
        Key value: 3082010a0282010100...
      Extensions: 3 present
      [ ... ]
      Signature:
      0000: 38 8f 5a 00 ...
    ]-----BEGIN CERTIFICATE-----
    ...
    -----END CERTIFICATE-----

Dates are printed in the node's local zone with a Java short name that follows daylight
saving (``BST``, ``IST``, ``CST``/``CDT``, ``BRT``, ...) [seen: real captures show BST, PST/PDT].

Theory of operation: the header fields (up to ``Extensions:`` or ``Signature:``) are read by
name, each exactly once; the extension and signature blocks are skipped. When the PEM is
there it is the truth: serial, dates and key come from it; its serial must match the printed
one (a dump mixing two certificates is refused), and printed dates that cannot be read, or
read differently, only give a warning. Without a PEM the printed dates are read with the
node's zone (``show timezone config``) when given.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from uccert.protocols._lines import quote, raise_if_failed, split_lines, unexpected
from uccert.protocols.errors import CliParseError
from uccert.protocols.java_text import JAVA_ZONE_OFFSETS, common_name, parse_java_date

_WHAT: Final = "show cert own|trust"
PEM_BEGIN: Final = "-----BEGIN CERTIFICATE-----"
PEM_END: Final = "-----END CERTIFICATE-----"

_FIELD_RE: Final = re.compile(
    r"(?P<key>Version|Serial Number|SignatureAlgorithm|Issuer Name|Validity From|To|"
    r"Subject Name|Key):(?P<value>.*)"
)
_HEADER_END_RE: Final = re.compile(r"Extensions:.*|Signature:.*")
_OID: Final = r"[0-9]+(?:\.[0-9]+)+"
_VERSION_RE: Final = re.compile(r"V(?P<v>[1-3])")
_SERIAL_RE: Final = re.compile(r"[0-9A-Fa-f]{1,2}(?:[: ]?[0-9A-Fa-f]{1,2}){0,127}")
_ALGORITHM_RE: Final = re.compile(rf"(?P<name>[A-Za-z0-9_\-./]+)(?:[ \t]+\((?P<oid>{_OID})\))?")
_BASE64_RE: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_REQUIRED: Final = (
    "Version",
    "Serial Number",
    "SignatureAlgorithm",
    "Issuer Name",
    "Validity From",
    "Subject Name",
    "Key",
)


@dataclass(frozen=True, slots=True)
class CertDump:
    """What ``show cert own|trust`` says about one certificate."""

    version: int
    serial: str
    """Lower-case hex digits as printed, separators removed: ``6f1c0a3b...``."""
    signature_algorithm: str
    """``SHA256withRSA``."""
    signature_algorithm_oid: str | None
    issuer: str
    """As printed (most specific attribute first)."""
    issuer_cn: str | None
    subject: str
    subject_cn: str | None
    not_before: datetime
    """Aware, UTC."""
    not_after: datetime
    key_algorithm: str
    """``RSA``, ``EC``."""
    key_algorithm_oid: str | None
    pem: str | None
    """The PEM block (LF line ends, trailing newline) when the node printed it."""
    warnings: tuple[str, ...] = ()
    """What in the printed text could not be read or disagreed with the PEM (the PEM won)."""

    @property
    def serial_number(self) -> int:
        return int(self.serial, 16)

    @property
    def self_signed(self) -> bool:
        """Issuer and subject print the same (how CUCM's self-signed certs look)."""
        return self.issuer == self.subject

    def certificate(self) -> x509.Certificate | None:
        """The decoded PEM, or ``None`` when the node did not print one."""
        return None if self.pem is None else x509.load_pem_x509_certificate(self.pem.encode())


def _split_pem(text: str) -> tuple[str, str | None]:
    """(dump text up to and including ``]``, PEM text or None)."""
    start = text.find(PEM_BEGIN)
    if start < 0:
        if PEM_END in text:
            raise CliParseError(f"{_WHAT}: found {PEM_END!r} without {PEM_BEGIN!r}")
        return text, None
    end = text.find(PEM_END, start)
    if end < 0:
        raise CliParseError(f"{_WHAT}: expected {PEM_END!r} after {PEM_BEGIN!r}")
    rest = text[end + len(PEM_END) :]
    if rest.strip():
        line = rest.strip().splitlines()[0]
        raise unexpected(_WHAT, "nothing after the PEM block", line)
    return text[:start], text[start : end + len(PEM_END)]


def _decode_pem(pem_text: str) -> tuple[str, x509.Certificate]:
    body_lines = [line.strip() for line in split_lines(pem_text)[1:-1]]
    body_lines = [line for line in body_lines if line]
    for line in body_lines:
        if _BASE64_RE.fullmatch(line) is None:
            raise unexpected(_WHAT, "a base64 line of the PEM block", line)
    body = "".join(body_lines)
    try:
        der = base64.b64decode(body, validate=True)
        certificate = x509.load_der_x509_certificate(der)
        serial = certificate.serial_number
    except (ValueError, binascii.Error) as error:
        raise CliParseError(f"{_WHAT}: the PEM block is not a certificate ({error})") from error
    if serial < 0:
        raise CliParseError(f"{_WHAT}: the PEM certificate has a negative serial number")
    pem = PEM_BEGIN + "\n" + "\n".join(body_lines) + "\n" + PEM_END + "\n"
    return pem, certificate


def _header(lines: list[str]) -> dict[str, str]:
    """Header field name -> raw value, each field once; ``To`` taken from the line after."""
    fields: dict[str, str] = {}
    previous_key: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if _HEADER_END_RE.fullmatch(stripped):
            break
        match = _FIELD_RE.fullmatch(stripped)
        key = match.group("key") if match else None
        if key == "To" and previous_key != "Validity From":
            raise unexpected(_WHAT, "'To:' right after 'Validity From:'", line)
        if previous_key == "Validity From" and key != "To":
            raise unexpected(_WHAT, "'To: <date>' under 'Validity From:'", line)
        if key is None:
            previous_key = None
            continue
        if key in fields:
            raise unexpected(_WHAT, f"'{key}:' only once", line)
        assert match is not None
        fields[key] = match.group("value").strip()
        previous_key = key
    for key in (*_REQUIRED, "To"):
        if key not in fields:
            raise CliParseError(f"{_WHAT}: expected a '{key}:' line in the certificate dump")
    return fields


def _algorithm(value: str, field: str) -> tuple[str, str | None]:
    match = _ALGORITHM_RE.fullmatch(value)
    if match is None:
        raise unexpected(_WHAT, f"'{field}: <name> (<oid>)'", value)
    return match.group("name"), match.group("oid")


def _key_name(certificate: x509.Certificate) -> str:
    """The key algorithm as the dump names it (``RSA``, ``EC``), from the certificate."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC"
    return type(key).__name__


def parse_cert_dump(
    text: str,
    zones: Mapping[str, timedelta] = JAVA_ZONE_OFFSETS,
    node_zone: tzinfo | None = None,
) -> CertDump:
    """Parse a certificate dump; take serial, dates and key from its PEM block when there is one.

    ``zones`` maps the time-zone short names read without the node's zone to UTC offsets;
    ``node_zone`` (the node's platform zone) resolves the others, DST included.
    Raises CliCommandFailed on ``Executed command unsuccessfully``, CliParseError otherwise
    (without a PEM, also when a printed date cannot be read).
    """
    raise_if_failed(split_lines(text), _WHAT)
    dump_text, pem_text = _split_pem(text)
    lines = [line for line in split_lines(dump_text) if line.strip()]
    if not lines or lines[0].strip() != "[":
        raise unexpected(_WHAT, "'[' opening the certificate dump", lines[0] if lines else "")
    if lines[-1].strip() != "]":
        raise unexpected(_WHAT, "']' closing the certificate dump", lines[-1])
    fields = _header(lines[1:-1])

    version_match = _VERSION_RE.fullmatch(fields["Version"])
    if version_match is None:
        raise unexpected(_WHAT, "'Version: V1|V2|V3'", fields["Version"])
    if _SERIAL_RE.fullmatch(fields["Serial Number"]) is None:
        raise unexpected(_WHAT, "'Serial Number: <hex>'", fields["Serial Number"])
    serial = re.sub(r"[: ]", "", fields["Serial Number"]).lower()
    signature_algorithm, signature_oid = _algorithm(
        fields["SignatureAlgorithm"], "SignatureAlgorithm"
    )
    key_algorithm, key_oid = _algorithm(fields["Key"], "Key")
    printed: tuple[datetime, datetime] | None = None
    date_problem: str | None = None
    try:
        printed = (
            parse_java_date(fields["Validity From"], zones, node_zone),
            parse_java_date(fields["To"], zones, node_zone),
        )
    except CliParseError as error:
        if pem_text is None:
            raise
        date_problem = str(error)
    warnings: list[str] = []
    pem: str | None = None
    key_name = key_algorithm
    if pem_text is None:
        assert printed is not None
        validity = printed
    else:
        pem, certificate = _decode_pem(pem_text)
        if certificate.serial_number != int(serial, 16):
            raise CliParseError(
                f"{_WHAT}: printed serial {serial} differs from the PEM's "
                f"{certificate.serial_number:x}: the output is corrupt or mixes two certificates"
            )
        validity = (certificate.not_valid_before_utc, certificate.not_valid_after_utc)
        key_name = _key_name(certificate)
        if date_problem is not None:
            warnings.append(f"printed validity not read ({date_problem}); dates taken from the PEM")
        elif printed != validity:
            assert printed is not None
            warnings.append(
                f"printed validity {quote(str(printed[0]))}..{quote(str(printed[1]))} differs "
                f"from the PEM's {validity[0]}..{validity[1]}; dates taken from the PEM"
            )
    return CertDump(
        version=int(version_match.group("v")),
        serial=serial,
        signature_algorithm=signature_algorithm,
        signature_algorithm_oid=signature_oid,
        issuer=fields["Issuer Name"],
        issuer_cn=common_name(fields["Issuer Name"]),
        subject=fields["Subject Name"],
        subject_cn=common_name(fields["Subject Name"]),
        not_before=validity[0],
        not_after=validity[1],
        key_algorithm=key_name,
        key_algorithm_oid=key_oid,
        pem=pem,
        warnings=tuple(warnings),
    )
