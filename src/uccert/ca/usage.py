"""Key usage and extended key usage a unit's leaf certificate needs.

Every unit in the note's scope is used both as a TLS server (clients and peers connect to it)
and as a TLS client (it connects to peer nodes and clusters), so its leaf must name both
``serverAuth`` and ``clientAuth`` explicitly (a CA template for "web server" only is the usual
mistake). When keyUsage is present it must allow digitalSignature, and keyEncipherment for RSA
keys (TLS RSA key transport). A leaf must not be a CA.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from uccert.ca.problems import Problem
from uccert.catalog import unit

SERVER_AND_CLIENT: tuple[ObjectIdentifier, ...] = (
    ExtendedKeyUsageOID.SERVER_AUTH,
    ExtendedKeyUsageOID.CLIENT_AUTH,
)
_EKU_NAMES: Mapping[ObjectIdentifier, str] = MappingProxyType(
    {ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth", ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth"}
)

# Per RSA unit (twins follow theirs); a unit not listed needs SERVER_AND_CLIENT.
REQUIRED_EKU: Mapping[str, tuple[ObjectIdentifier, ...]] = MappingProxyType(
    {
        "tomcat": SERVER_AND_CLIENT,
        "cup": SERVER_AND_CLIENT,
        "cup-xmpp": SERVER_AND_CLIENT,
        "cup-xmpp-s2s": SERVER_AND_CLIENT,
        "ipsec": SERVER_AND_CLIENT,
        "CallManager": SERVER_AND_CLIENT,
    }
)


def required_eku(unit_name: str) -> tuple[ObjectIdentifier, ...]:
    return REQUIRED_EKU.get(unit(unit_name).rules_from, SERVER_AND_CLIENT)


def usage_problems(leaf: x509.Certificate, unit_name: str) -> list[Problem]:
    """What the leaf's basicConstraints, keyUsage and extendedKeyUsage lack for the unit."""
    problems: list[Problem] = []
    try:
        if leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            problems.append(
                Problem(
                    "leaf-is-ca",
                    "the certificate is a CA certificate (basicConstraints cA), not a leaf",
                    "upload the node's own signed certificate with --cert, CAs with --chain",
                )
            )
    except x509.ExtensionNotFound:
        pass
    needed = required_eku(unit_name)
    names = ", ".join(_EKU_NAMES.get(o, o.dotted_string) for o in needed)
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        problems.append(
            Problem(
                "eku-missing",
                f"the certificate has no extendedKeyUsage; {unit_name} needs {names}",
                "sign it with a CA template that sets TLS Web Server and Web Client Authentication",
            )
        )
    else:
        anything = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku
        lacking = [o for o in needed if o not in eku and not anything]
        if lacking:
            problems.append(
                Problem(
                    "eku-missing",
                    f"the certificate's extendedKeyUsage lacks "
                    f"{', '.join(_EKU_NAMES.get(o, o.dotted_string) for o in lacking)}; "
                    f"{unit_name} needs {names}",
                    "sign it with a CA template that sets TLS Web Server and Web Client "
                    "Authentication",
                )
            )
    try:
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return problems
    lacking_ku = [] if ku.digital_signature else ["digitalSignature"]
    if isinstance(leaf.public_key(), rsa.RSAPublicKey) and not ku.key_encipherment:
        lacking_ku.append("keyEncipherment")
    if lacking_ku:
        problems.append(
            Problem(
                "ku-missing",
                f"the certificate's keyUsage lacks {', '.join(lacking_ku)}",
                "sign it with a CA template for TLS servers (digitalSignature, keyEncipherment)",
            )
        )
    return problems
