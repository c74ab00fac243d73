"""Snapshot building blocks shared by the test helpers that build clusters by hand
(`checks/build.py`, `plan/build.py`): the clock, the domain, nodes named by role, started
services, and copies of a `Snapshot` with one node changed.

Importable as `builders` from any test package under `tests/` (pytest puts `tests/` on the path).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from uccert.model import (
    CertInfo,
    Node,
    NodeSnapshot,
    Product,
    Role,
    RunState,
    ServiceState,
    Snapshot,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN = "example.com"


def make_node(name: str, version: str = "14.0") -> Node:
    """`cucm-*` names are CUCM nodes, the rest IM/P; `*pub` names are publishers."""
    product = Product.CUCM if name.startswith("cucm") else Product.IMP
    role = Role.PUBLISHER if name.endswith("pub") else Role.SUBSCRIBER
    return Node(name, f"{name}.{DOMAIN}", product, role, version)


def started(names: Iterable[str]) -> tuple[ServiceState, ...]:
    return tuple(ServiceState(s, RunState.STARTED) for s in names)


def node_of(snapshot: Snapshot, name: str) -> NodeSnapshot:
    return next(n for n in snapshot.nodes if n.node.name == name)


def with_node(snapshot: Snapshot, name: str, **changes: object) -> Snapshot:
    """`snapshot` with node `name` changed (NodeSnapshot fields)."""
    nodes = tuple(
        replace(n, **changes) if n.node.name == name else n  # type: ignore[arg-type]
        for n in snapshot.nodes
    )
    return replace(snapshot, nodes=nodes)


def with_identity(snapshot: Snapshot, name: str, cert: CertInfo) -> Snapshot:
    """`snapshot` with `cert` replacing the node's identity of the same unit."""
    snap = node_of(snapshot, name)
    ids = tuple(cert if c.unit == cert.unit else c for c in snap.identities)
    return with_node(snapshot, name, identities=ids)


def expired_ca_pem(cn: str = "Old Lab CA") -> str:
    """A self-signed CA cert that expired 30 days ago and that no node owns, as an admin once
    imported into a trust store (EC: quick to make); PEM."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=800))
        .not_valid_after(now - timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
