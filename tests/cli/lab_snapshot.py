"""The demo lab read once, made deterministic, for golden-file tests of what people read.

The lab starts at a fixed moment (``START``) on an instant clock, so every date is fixed; the
lab's serials are random, so :func:`deterministic` renumbers them (and the file names and
fingerprints that carry them) in an order that does not depend on them.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from uccert.model import CertInfo, NodeSnapshot, ServiceState, Snapshot, TrustEntry

START = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


def _order_key(cert: CertInfo) -> tuple[str, str, str, int, str]:
    return (
        cert.subject_cn,
        cert.issuer_cn,
        cert.not_after.isoformat(),
        cert.key_bits,
        cert.key_type.value,
    )


def _serial_map(snap: Snapshot) -> dict[str, str]:
    """Old serial -> new: identities in node order (by unit), then the other trust certs."""
    mapping: dict[str, str] = {}

    def add(cert: CertInfo) -> None:
        if cert.serial not in mapping:
            mapping[cert.serial] = format(0x1000 + len(mapping), "x")

    for n in snap.nodes:
        for c in sorted(n.identities, key=lambda c: c.unit):
            add(c)
    others = [t.cert for n in snap.nodes for t in n.trusts]
    for c in sorted(others, key=_order_key):
        add(c)
    return mapping


def _cert(cert: CertInfo, mapping: dict[str, str]) -> CertInfo:
    new = mapping[cert.serial]
    return replace(
        cert,
        serial=new,
        file=cert.file.replace(cert.serial, new).replace(cert.serial.upper(), new),
        sha256=hashlib.sha256(new.encode()).hexdigest(),
        pem="",
    )


def _node(node: NodeSnapshot, mapping: dict[str, str]) -> NodeSnapshot:
    trusts = tuple(
        TrustEntry(
            t.store,
            t.file.replace(t.cert.serial, mapping[t.cert.serial]).replace(
                t.cert.serial.upper(), mapping[t.cert.serial]
            ),
            _cert(t.cert, mapping),
        )
        for t in node.trusts
    )
    trusts = tuple(sorted(trusts, key=lambda t: (t.store, t.file)))
    services = tuple(
        replace(
            s,
            presented_serial=mapping.get(s.presented_serial, s.presented_serial)
            if s.presented_serial
            else None,
        )
        for s in node.services
    )
    presented = {u: mapping.get(s, s) for u, s in node.presented.items()}
    return replace(
        node,
        identities=tuple(_cert(c, mapping) for c in node.identities),
        trusts=trusts,
        services=tuple[ServiceState, ...](services),
        presented=presented,
    )


def deterministic(snap: Snapshot) -> Snapshot:
    """``snap`` with serials renumbered and the read time set to ``START``."""
    mapping = _serial_map(snap)
    return replace(snap, taken_at=START, nodes=tuple(_node(n, mapping) for n in snap.nodes))
