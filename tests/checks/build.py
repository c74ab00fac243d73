"""A small cluster built from real certificates: one CUCM publisher and subscriber, one IM/P
publisher and subscriber, every node healthy at `NOW`. Tests change one thing and look for the
finding the procedure predicts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from uccert.model import (
    CertInfo,
    Node,
    NodeSnapshot,
    Product,
    RedundancyGroup,
    Role,
    RunState,
    ServiceState,
    Snapshot,
    TrustEntry,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN = "example.com"
FQDNS = {
    "cucm-pub": f"cucm-pub.{DOMAIN}",
    "cucm-sub1": f"cucm-sub1.{DOMAIN}",
    "imp-pub": f"imp-pub.{DOMAIN}",
    "imp-sub1": f"imp-sub1.{DOMAIN}",
}
ALL_FQDNS = tuple(FQDNS.values())


@cache
def _key(label: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def make_x509(
    cn: str,
    *,
    serial: int,
    not_after: datetime = NOW + timedelta(days=1000),
    not_before: datetime | None = None,
    issuer_cn: str | None = None,
    sans: tuple[str, ...] = (),
) -> x509.Certificate:
    """Self-signed unless `issuer_cn` is given (then signed by that CA's key)."""
    subject_key = _key(cn)
    signer = _key(issuer_cn) if issuer_cn else subject_key
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn or cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before or not_after - timedelta(days=1825))
        .not_valid_after(not_after)
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def cert(
    unit: str,
    cn: str,
    *,
    serial: int,
    file: str | None = None,
    **kwargs: object,
) -> CertInfo:
    x = make_x509(cn, serial=serial, **kwargs)  # type: ignore[arg-type]
    return CertInfo.from_x509(x, unit, file or f"{unit}.pem", ALL_FQDNS)


def trust(store: str, c: CertInfo, file: str | None = None) -> TrustEntry:
    name = file or f"{c.subject_cn.split('.')[0]}.pem"
    return TrustEntry(store, name, replace(c, unit=store, file=name))


PUB_IPSEC_SERIAL = 0xA1
PUB_IPSEC = cert("ipsec", FQDNS["cucm-pub"], serial=PUB_IPSEC_SERIAL)

IMP_SERVICES = (
    "Cisco SIP Proxy",
    "Cisco Presence Engine",
    "Cisco XCP Router",
    "Cisco DRF Local",
    "Cisco Tomcat",
)
CUCM_SERVICES = ("Cisco DRF Master", "Cisco DRF Local", "Cisco Tomcat")


def node(name: str, version: str = "14.0") -> Node:
    product = Product.CUCM if name.startswith("cucm") else Product.IMP
    role = Role.PUBLISHER if name.endswith("pub") else Role.SUBSCRIBER
    return Node(name, FQDNS[name], product, role, version)


def healthy_node(name: str, serial_base: int) -> NodeSnapshot:
    fqdn = FQDNS[name]
    n = node(name)
    identities = [
        PUB_IPSEC if name == "cucm-pub" else cert("ipsec", fqdn, serial=serial_base + 1),
        cert("tomcat", fqdn, serial=serial_base + 2),
    ]
    if n.product is Product.IMP:
        host = name
        identities += [
            cert("cup", fqdn, serial=serial_base + 3),
            # real nodes name cup-xmpp after the host too; a distinct CN keeps "healthy" clean
            cert("cup-xmpp", f"{host}-xmpp.{DOMAIN}", serial=serial_base + 4),
        ]
    trusts = () if name == "cucm-pub" else (trust("ipsec-trust", PUB_IPSEC),)
    names = IMP_SERVICES if n.product is Product.IMP else CUCM_SERVICES
    if n.product is Product.CUCM and n.role is Role.SUBSCRIBER:
        names = ("Cisco DRF Local", "Cisco Tomcat")
    return NodeSnapshot(
        n,
        identities=tuple(identities),
        trusts=trusts,
        services=tuple(ServiceState(s, RunState.STARTED) for s in names),
    )


def healthy_cluster(features: frozenset[str] = frozenset()) -> Snapshot:
    nodes = tuple(healthy_node(name, 0x100 * (i + 1)) for i, name in enumerate(FQDNS))
    group = RedundancyGroup("prg1", "imp-pub", "imp-sub1", ha_enabled=True)
    return Snapshot("lab", NOW, nodes, (group,), features)


def with_node(snapshot: Snapshot, name: str, **changes: object) -> Snapshot:
    """`snapshot` with node `name` changed (NodeSnapshot fields)."""
    nodes = tuple(
        replace(n, **changes) if n.node.name == name else n  # type: ignore[arg-type]
        for n in snapshot.nodes
    )
    return replace(snapshot, nodes=nodes)


def node_of(snapshot: Snapshot, name: str) -> NodeSnapshot:
    return next(n for n in snapshot.nodes if n.node.name == name)
