"""A small cluster built from real certificates: one CUCM publisher and subscriber, one IM/P
publisher and subscriber, every node healthy at `NOW`. Tests change one thing and look for the
finding the procedure predicts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from builders import DOMAIN, NOW, make_node, started
from uccert.model import (
    CertInfo,
    NodeSnapshot,
    Product,
    RedundancyGroup,
    Role,
    Snapshot,
    TrustEntry,
)

FQDNS = {name: f"{name}.{DOMAIN}" for name in ("cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1")}
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


def healthy_node(name: str, serial_base: int) -> NodeSnapshot:
    fqdn = FQDNS[name]
    n = make_node(name)
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
    names: tuple[str, ...] = IMP_SERVICES if n.product is Product.IMP else CUCM_SERVICES
    if n.product is Product.CUCM and n.role is Role.SUBSCRIBER:
        names = ("Cisco DRF Local", "Cisco Tomcat")
    return NodeSnapshot(
        n,
        identities=tuple(identities),
        trusts=trusts,
        services=started(names),
    )


def healthy_cluster(features: frozenset[str] = frozenset()) -> Snapshot:
    nodes = tuple(healthy_node(name, 0x100 * (i + 1)) for i, name in enumerate(FQDNS))
    group = RedundancyGroup("prg1", "imp-pub", "imp-sub1", ha_enabled=True)
    return Snapshot("lab", NOW, nodes, (group,), features)
