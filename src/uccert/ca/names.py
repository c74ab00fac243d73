"""DNS names in subjectAltName: reading them from certs and CSRs, and the rules CUCM applies.

CUCM refuses wildcard names in its certificates, so a wildcard anywhere is a problem, never a
match: coverage is exact (case-insensitive, trailing dot ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from cryptography import x509

from uccert.ca.problems import Problem

_LABEL: Final = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DNS_RE: Final = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
MAX_DNS_LENGTH: Final = 253


def normalize(name: str) -> str:
    """Lower case, no trailing dot: how two DNS names are compared."""
    return name.strip().lower().rstrip(".")


def is_wildcard(name: str) -> bool:
    return "*" in name


def is_dns_name(name: str) -> bool:
    """A plain DNS name (no wildcard, no IP-only check: CUCM nodes are named by FQDN)."""
    text = name.strip()
    return 0 < len(text.rstrip(".")) <= MAX_DNS_LENGTH and _DNS_RE.fullmatch(text) is not None


def dns_names(obj: x509.Certificate | x509.CertificateSigningRequest) -> tuple[str, ...]:
    """The subjectAltName dNSNames of a certificate or CSR (empty when it has none)."""
    try:
        san = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.value.get_values_for_type(x509.DNSName))


def missing_names(required: Iterable[str], present: Iterable[str]) -> list[str]:
    """The ``required`` names ``present`` does not list, in the order required."""
    have = {normalize(n) for n in present}
    seen: set[str] = set()
    out: list[str] = []
    for name in required:
        key = normalize(name)
        if key not in have and key not in seen:
            out.append(name)
        seen.add(key)
    return out


def unique(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` without repeats (compared normalised), first spelling kept."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = normalize(name)
        if key not in seen:
            seen.add(key)
            out.append(name.strip().rstrip("."))
    return tuple(out)


def wildcard_problems(names: Sequence[str], what: str) -> list[Problem]:
    wild = [n for n in names if is_wildcard(n)]
    if not wild:
        return []
    return [
        Problem(
            "wildcard",
            f"{what} names {', '.join(wild)}: CUCM and IM/P refuse wildcard certificates",
            "name each node's FQDN instead (a multi-server certificate covers several nodes)",
        )
    ]


def name_syntax_problems(names: Sequence[str], what: str) -> list[Problem]:
    bad = [n for n in names if not is_wildcard(n) and not is_dns_name(n)]
    if not bad:
        return []
    return [
        Problem(
            "bad-name",
            f"{what}: {', '.join(repr(n) for n in bad)} is not a DNS name",
            "give host names like imp-pub.example.com",
        )
    ]
