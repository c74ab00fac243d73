"""Test helper: render a real certificate the way ``show cert own`` prints it.

Written from docs/design/interfaces.md §1's layout, independently of the parser: names most
specific first
(reverse of encoding), upper-case serial, Java dates, ``To:`` on its own line under the date,
lists ending with a comma, signature as a hex dump, PEM block glued to the closing ``]``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_SHORT = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
}
_SIGNATURE_NAMES = {
    "1.2.840.113549.1.1.11": "SHA256withRSA",
    "1.2.840.113549.1.1.12": "SHA384withRSA",
    "1.2.840.10045.4.3.2": "SHA256withECDSA",
    "1.2.840.10045.4.3.3": "SHA384withECDSA",
}


def java_name(name: x509.Name) -> str:
    parts = []
    for attribute in reversed(list(name)):
        value = str(attribute.value)
        if "," in value or "+" in value or '"' in value:
            value = '"' + value.replace('"', '\\"') + '"'
        parts.append(f"{_SHORT[attribute.oid]}={value}")
    return ", ".join(parts)


def java_date(moment: datetime, zone: str = "UTC", offset: timedelta = timedelta(0)) -> str:
    local = moment.astimezone(timezone(offset))
    return local.strftime(f"%a %b %d %H:%M:%S {zone} %Y")


def _hex_dump(data: bytes) -> list[str]:
    lines = []
    for start in range(0, len(data), 16):
        chunk = data[start : start + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{start:04X}: {' '.join(f'{b:02X}' for b in chunk):<47}  {text}")
    return lines


def render_java_dump(
    certificate: x509.Certificate,
    *,
    include_pem: bool = True,
    pem_on_bracket_line: bool = True,
    zone: str = "UTC",
    offset: timedelta = timedelta(0),
    serial_text: str | None = None,
) -> str:
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        key_line = "Key: RSA (1.2.840.113549.1.1.1)"
        key_value = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        ).hex()
    else:
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        key_line = "Key: EC (1.2.840.10045.2.1)"
        key_value = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        ).hex()
    signature_oid = certificate.signature_algorithm_oid.dotted_string
    lines = [
        "[",
        "  Version: V3",
        f"  Serial Number: {serial_text or format(certificate.serial_number, 'X')}",
        f"  SignatureAlgorithm: {_SIGNATURE_NAMES[signature_oid]} ({signature_oid})",
        f"  Issuer Name: {java_name(certificate.issuer)}",
        f"  Validity From: {java_date(certificate.not_valid_before_utc, zone, offset)}",
        f"           To:   {java_date(certificate.not_valid_after_utc, zone, offset)}",
        f"  Subject Name: {java_name(certificate.subject)}",
        f"  {key_line}",
        f"    Key value: {key_value}",
        f"  Extensions: {len(certificate.extensions)} present",
    ]
    for extension in certificate.extensions:
        lines += [
            "  [",
            f"     Extension: {type(extension.value).__name__} (OID.{extension.oid.dotted_string})",
        ]
        lines.append(f"     Critical: {str(extension.critical).lower()}")
        if isinstance(extension.value, x509.KeyUsage):
            lines.append("     Usages: digitalSignature, keyEncipherment, keyCertSign, ")
        elif isinstance(extension.value, x509.ExtendedKeyUsage):
            lines.append("     Usages: " + "".join(f"{u.dotted_string}, " for u in extension.value))
        elif isinstance(extension.value, x509.BasicConstraints):
            lines.append(f"     CA: {str(extension.value.ca).lower()}")
        lines.append("  ]")
    lines += ["  Signature:", *("  " + line for line in _hex_dump(certificate.signature))]
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode().rstrip("\n")
    if not include_pem:
        lines.append("]")
    elif pem_on_bracket_line:
        lines.append("]" + pem)
    else:
        lines += ["]", pem]
    return "\n".join(lines) + "\n"


def make_certificate(
    *,
    cn: str = "cucm14-pub.collabiz.ext",
    key: str = "ec",
    organization: str = "Example",
    issuer_cn: str | None = None,
    serial: int = 0x791A41DE2F3D66A9A4A560204D2FEB5A,
    not_before: datetime = datetime(2026, 11, 30, 9, 12, 44, tzinfo=UTC),
) -> x509.Certificate:
    """A real certificate, subject encoded C, O, OU, CN, ST, L (so printed L, ST, CN, OU, O, C)."""
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key == "rsa":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private_key = ec.generate_private_key(ec.SECP256R1())

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "UC"),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Tokyo"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Tokyo"),
            ]
        )

    from cryptography.hazmat.primitives import hashes

    return (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(name(issuer_cn or cn))
        .public_key(private_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=5 * 365) - timedelta(seconds=1))
        .add_extension(
            x509.KeyUsage(True, False, True, False, False, True, False, False, False), True
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(private_key, hashes.SHA256())
    )
