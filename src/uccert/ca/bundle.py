"""What Jabber devices must trust, as one bundle (docs/design/procedure.md §6).

Jabber validates the tomcat and cup-xmpp certificates of CUCM and IM/P (and their ECDSA twins,
which ECDSA-capable clients are offered). For each node and such unit:

- a self-signed cert is itself what devices must trust;
- a CA-signed cert needs its root and intermediates, found by issuer in the unit's trust store
  (tomcat-trust, cup-xmpp-trust) on that node, then on any node.

Pure: a snapshot in, a :class:`ClientBundle` out, and the three files' contents (PEM bundle,
PKCS#7 for group policy and MDM, README). Certificates appear once (by fingerprint), roots
first, with every node and unit that needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from uccert.ca.chain import build_chain, common_name, fingerprint, is_self_signed
from uccert.ca.problems import Problem
from uccert.catalog import Version, VersionError, trust_store_for
from uccert.model import NodeSnapshot, Snapshot

CLIENT_UNITS: Final = ("tomcat", "tomcat-ECDSA", "cup-xmpp", "cup-xmpp-ECDSA")
PEM_FILE: Final = "uccert-client-bundle.pem"
P7B_FILE: Final = "uccert-client-bundle.p7b"
README_FILE: Final = "README.txt"


class EntryKind(StrEnum):
    ROOT = "root CA"
    INTERMEDIATE = "intermediate CA"
    SELF_SIGNED = "self-signed node certificate"


_ORDER: Final = {EntryKind.ROOT: 0, EntryKind.INTERMEDIATE: 1, EntryKind.SELF_SIGNED: 2}


@dataclass(frozen=True)
class BundleEntry:
    cert: x509.Certificate
    kind: EntryKind
    used_by: tuple[str, ...]  # "imp-pub cup-xmpp", ...

    @property
    def sha256(self) -> str:
        return fingerprint(self.cert)


@dataclass(frozen=True)
class ClientBundle:
    cluster: str
    taken_at: datetime
    entries: tuple[BundleEntry, ...]
    problems: tuple[Problem, ...] = field(default=())


def _load(pem: str) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None


def _store_certs(nodes: Iterable[NodeSnapshot], unit_name: str) -> list[x509.Certificate]:
    out: list[x509.Certificate] = []
    for n in nodes:
        try:
            store = trust_store_for(unit_name, Version.parse(n.node.version))
        except VersionError:
            continue
        if store is None:
            continue
        out += [c for t in n.trusts_in(store) if (c := _load(t.cert.pem)) is not None]
    return out


def client_bundle(snapshot: Snapshot) -> ClientBundle:
    """The certs devices must trust for every readable node's client-facing units."""
    found: dict[str, tuple[x509.Certificate, EntryKind, list[str]]] = {}
    problems: list[Problem] = []

    def add(cert: x509.Certificate, kind: EntryKind, user: str) -> None:
        fp = fingerprint(cert)
        if fp not in found:
            found[fp] = (cert, kind, [])
        if user not in found[fp][2]:
            found[fp][2].append(user)

    readable = [n for n in snapshot.nodes if n.error is None]
    for n in snapshot.nodes:
        if n.error is not None:
            problems.append(
                Problem(
                    "node-unread",
                    f"{n.node.name} could not be read ({n.error}): its certificates are not in "
                    "the bundle",
                    "make it reachable and export again",
                )
            )
    for n in readable:
        for unit_name in CLIENT_UNITS:
            info = n.identity(unit_name)
            leaf = _load(info.pem) if info is not None else None
            if leaf is None:
                continue
            user = f"{n.node.name} {unit_name}"
            if is_self_signed(leaf):
                add(leaf, EntryKind.SELF_SIGNED, user)
                continue
            anchors = _store_certs([n], unit_name) + _store_certs(readable, unit_name)
            chain, chain_problems = build_chain(leaf, (), anchors)
            for ca in chain.certs[1:]:
                root = ca.subject == ca.issuer
                add(ca, EntryKind.ROOT if root else EntryKind.INTERMEDIATE, user)
            if not chain.complete:
                problems.append(
                    Problem(
                        "issuer-not-found",
                        f"{user}: no trust store holds {common_name(chain.certs[-1].issuer)!r}, "
                        f"which issued {common_name(chain.certs[-1].subject)!r}",
                        "upload that CA cert to the unit's trust store, or add it to the bundle "
                        "by hand",
                    )
                )
            problems += [p for p in chain_problems if p.code not in ("chain-incomplete",)]
    entries = sorted(
        (BundleEntry(cert, kind, tuple(users)) for cert, kind, users in found.values()),
        key=lambda e: (_ORDER[e.kind], e.used_by),
    )
    return ClientBundle(snapshot.cluster, snapshot.taken_at, tuple(entries), tuple(problems))


def bundle_pem(bundle: ClientBundle) -> str:
    """Every cert as PEM, each preceded by comment lines saying what it is."""
    parts: list[str] = []
    for e in bundle.entries:
        parts.append(
            f"# {e.kind.value}: {common_name(e.cert.subject)}\n"
            f"# for: {', '.join(e.used_by)}\n"
            f"# SHA-256: {e.sha256}\n" + e.cert.public_bytes(Encoding.PEM).decode("ascii")
        )
    return "".join(parts)


def bundle_pkcs7(bundle: ClientBundle) -> bytes:
    """A certs-only PKCS#7 (DER, ``.p7b``): what Windows group policy and MDM import."""
    return pkcs7.serialize_certificates([e.cert for e in bundle.entries], Encoding.DER)


def _where(kind: EntryKind) -> str:
    if kind is EntryKind.INTERMEDIATE:
        return "Intermediate Certification Authorities"
    return "Trusted Root Certification Authorities"


def bundle_readme(bundle: ClientBundle) -> str:
    taken = bundle.taken_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"uccert client bundle for cluster {bundle.cluster} (read {taken})",
        "",
        "Jabber checks the tomcat and cup-xmpp certificates of CUCM and IM and Presence.",
        "A device that does not trust them shows an untrusted-certificate prompt, so push",
        "these certificates to every device before (or right after) the change.",
        "",
        "Files",
        f"  {PEM_FILE}  every certificate below, PEM: macOS and iOS configuration",
        "      profiles, Android, Linux, or attached to an e-mail to users",
        f"  {P7B_FILE}  the same certificates as PKCS#7 (DER): Windows group policy,",
        "      Intune / other MDM certificate payloads, `certutil -addstore`",
        "",
        "Where each goes",
        "  Windows group policy: Computer Configuration > Policies > Windows Settings >",
        "    Security Settings > Public Key Policies >",
        "      Trusted Root Certification Authorities: root CAs and self-signed node certs",
        "      Intermediate Certification Authorities: intermediate CAs",
        "  MDM: a trusted-certificate (root) payload per root CA or self-signed cert; put",
        "    intermediates in the same profile.",
        "",
        "Certificates",
    ]
    if not bundle.entries:
        lines.append("  (none: no node was readable)")
    for i, e in enumerate(bundle.entries, 1):
        lines += [
            f"  {i}. {common_name(e.cert.subject)} — {e.kind.value}",
            f"     store: {_where(e.kind)}",
            f"     valid until {e.cert.not_valid_after_utc:%Y-%m-%d}; SHA-256 {e.sha256}",
            f"     for: {', '.join(e.used_by)}",
        ]
    if bundle.problems:
        lines += ["", "Not complete"]
        lines += [f"  - {p}" for p in bundle.problems]
    return "\n".join(lines) + "\n"
