"""A small PKI and cluster for the `uccert.ca` tests: roots, intermediates, leaves and CSRs
built with `cryptography`, and snapshots of a four-node cluster that hold them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from uccert.model import CertInfo, Node, NodeSnapshot, Product, Role, Snapshot, TrustEntry

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DOMAIN = "example.com"
NODES = ("cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1")
FQDN = {n: f"{n}.{DOMAIN}" for n in NODES}
SERVER_CLIENT = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@cache
def rsa_key(label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, bits)


@cache
def ec_key(label: str, bits: int = 256) -> ec.EllipticCurvePrivateKey:
    curve: ec.EllipticCurve = {256: ec.SECP256R1(), 384: ec.SECP384R1()}[bits]
    return ec.generate_private_key(curve)


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def ca_cert(
    cn: str,
    key: Key,
    issuer: tuple[x509.Certificate, Key] | None = None,
    *,
    path_length: int | None = None,
    ca: bool | None = True,
    key_cert_sign: bool = True,
    not_before: datetime = NOW - timedelta(days=30),
    days: int = 3650,
) -> x509.Certificate:
    """A root (self-signed) or, with ``issuer``, an intermediate. ``ca=None``: no
    basicConstraints at all."""
    signer_name, signer_key = (issuer[0].subject, issuer[1]) if issuer else (name(cn), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=key_cert_sign,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    return builder.sign(signer_key, hashes.SHA256())


class Pki:
    """Root -> intermediate, both EC (fast); leaves signed by the intermediate."""

    def __init__(self, label: str = "A") -> None:
        self.root_key = ec_key(f"{label}-root")
        self.root = ca_cert(f"{label} Root CA", self.root_key)
        self.inter_key = ec_key(f"{label}-inter")
        self.inter = ca_cert(f"{label} Issuing CA", self.inter_key, (self.root, self.root_key))

    def leaf(self, key: Key, names: Sequence[str], **kwargs: object) -> x509.Certificate:
        return leaf_cert(self.inter.subject, self.inter_key, key, names, **kwargs)  # type: ignore[arg-type]


@cache
def pki(label: str = "A") -> Pki:
    return Pki(label)


def leaf_cert(
    issuer: x509.Name,
    issuer_key: Key,
    key: Key,
    names: Sequence[str],
    *,
    cn: str | None = None,
    not_before: datetime = NOW - timedelta(days=1),
    days: int = 365,
    eku: Sequence[x509.ObjectIdentifier] | None = SERVER_CLIENT,
    key_usage: bool = True,
    key_encipherment: bool = True,
    ca: bool = False,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn or (names[0] if names else "leaf")))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=key_encipherment,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def self_signed(key: Key, fqdn: str) -> x509.Certificate:
    return leaf_cert(name(fqdn), key, key, [fqdn], cn=fqdn)


def csr_pem(key: Key, names: Sequence[str], cn: str | None = None) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        name(cn or (names[0] if names else "csr"))
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def info(cert: x509.Certificate, unit: str, file: str | None = None) -> CertInfo:
    return CertInfo.from_x509(cert, unit, file or f"{unit}.pem", tuple(FQDN.values()))


IMP_UNITS = ("cup", "cup-xmpp", "cup-xmpp-s2s", "ipsec", "tomcat")
CUCM_UNITS = ("CallManager", "ipsec", "tomcat")


def node_snapshot(
    node: str,
    version: str = "14.0",
    *,
    identities: Mapping[str, x509.Certificate] | None = None,
    trusts: Sequence[tuple[str, x509.Certificate]] = (),
    error: str | None = None,
) -> NodeSnapshot:
    product = Product.CUCM if node.startswith("cucm") else Product.IMP
    role = Role.PUBLISHER if node.endswith("pub") else Role.SUBSCRIBER
    n = Node(node, FQDN[node], product, role, version)
    if error is not None:
        return NodeSnapshot(n, error=error)
    units = CUCM_UNITS if product is Product.CUCM else IMP_UNITS
    own = dict(identities or {})
    units = (*units, *(u for u in own if u not in units))
    certs = tuple(
        info(own[u] if u in own else self_signed(ec_key(f"{node}-{u}"), FQDN[node]), u)
        for u in units
    )
    entries = tuple(
        TrustEntry(store, f"{i}.pem", info(c, store, f"{i}.pem"))
        for i, (store, c) in enumerate(trusts)
    )
    return NodeSnapshot(n, identities=certs, trusts=entries)


def cluster(
    version: str = "14.0",
    nodes: Mapping[str, NodeSnapshot] | None = None,
    features: frozenset[str] = frozenset(),
) -> Snapshot:
    given = dict(nodes or {})
    built = tuple(given.get(n) or node_snapshot(n, version) for n in NODES)
    return Snapshot("lab", NOW, built, (), features)
