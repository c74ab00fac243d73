"""CertInfo read from real certificates; the inventory JSON shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from uccert.catalog import KeyAlgorithm
from uccert.model import (
    CertInfo,
    Distribution,
    Node,
    NodeSnapshot,
    Product,
    Role,
    Snapshot,
    TrustEntry,
    distribution_of,
    dumps,
    normalize_serial,
    to_json,
)

NB = datetime(2021, 11, 29, 4, 0, 1, tzinfo=UTC)
NA = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
CA_KEY = ec.generate_private_key(ec.SECP256R1())


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def build(cn: str, *, issuer: str | None = None, sans: tuple[str, ...] = (), key=EC_KEY):  # type: ignore[no-untyped-def]
    b = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(name(issuer or cn))
        .public_key(key.public_key())
        .serial_number(0x0ABC)
        .not_valid_before(NB)
        .not_valid_after(NA)
    )
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)
    return b.sign(CA_KEY if issuer else key, hashes.SHA256())


def test_self_signed_ec_cert_is_read_completely() -> None:
    info = CertInfo.from_x509(build("imp1.example.com"), "cup-xmpp-ECDSA", "cup-xmpp-ECDSA.pem")
    assert info.subject_cn == info.issuer_cn == "imp1.example.com"
    assert info.self_signed and info.key_type is KeyAlgorithm.EC and info.key_bits == 256
    assert info.serial == "abc"
    assert (info.not_before, info.not_after) == (NB, NA)
    assert len(info.sha256) == 64 and info.pem.startswith("-----BEGIN CERTIFICATE-----")
    assert info.distribution is Distribution.SINGLE


def test_rsa_key_bits_are_reported() -> None:
    key = rsa.generate_private_key(65537, 1024)
    info = CertInfo.from_x509(build("cucm1", key=key), "tomcat", "tomcat.pem")
    assert (info.key_type, info.key_bits) == (KeyAlgorithm.RSA, 1024)


def test_issuer_with_same_name_but_other_key_is_not_self_signed() -> None:
    forged = build("cucm1", issuer="cucm1")  # same name, signed by the CA key
    assert not CertInfo.from_x509(forged, "tomcat", "tomcat.pem").self_signed
    assert not CertInfo.from_x509(build("cucm1", issuer="CA"), "tomcat", "tomcat.pem").self_signed


def test_self_signed_is_decided_per_cert_when_read_again() -> None:
    # the same name and serial, once signed by its own key and once by another: reading each
    # twice (as a fresh object, as a trust-store copy is) keeps the two answers apart
    genuine, forged = build("cucm2"), build("cucm2", issuer="cucm2")
    for _ in range(2):
        for cert, expected in ((genuine, True), (forged, False)):
            copy = x509.load_der_x509_certificate(cert.public_bytes(Encoding.DER))
            assert CertInfo.from_x509(copy, "tomcat", "tomcat.pem").self_signed is expected


def test_san_naming_two_cluster_nodes_is_multi_server() -> None:
    nodes = ("cucm1.example.com", "imp1.example.com")
    san = build("cucm1.example.com", issuer="CA", sans=("CUCM1.example.com", "imp1.example.com."))
    assert CertInfo.from_x509(san, "tomcat", "tomcat.pem", nodes).distribution is Distribution.MULTI
    one = build("cucm1.example.com", issuer="CA", sans=("cucm1.example.com", "www.example.com"))
    assert (
        CertInfo.from_x509(one, "tomcat", "tomcat.pem", nodes).distribution is Distribution.SINGLE
    )


@given(st.lists(st.sampled_from(["a", "b", "c", "x", "y"]), max_size=6))
def test_distribution_is_multi_iff_more_than_one_node_is_named(sans: list[str]) -> None:
    expected = Distribution.MULTI if len(set(sans) & {"a", "b", "c"}) > 1 else Distribution.SINGLE
    assert distribution_of(sans, ["a", "b", "c"]) is expected


@given(st.integers(min_value=0, max_value=2**160 - 1))
def test_serial_spellings_normalize_to_one_value(value: int) -> None:
    colon = ":".join(f"{value:040X}"[i : i + 2] for i in range(0, 40, 2))
    assert normalize_serial(colon) == normalize_serial(f"0x{value:x}") == format(value, "x")


def test_non_canonical_serial_and_naive_times_are_refused() -> None:
    info = CertInfo.from_x509(build("n"), "tomcat", "tomcat.pem")
    with pytest.raises(ValueError, match="canonical"):
        CertInfo(**{**info.__dict__, "serial": "0ABC"})
    with pytest.raises(ValueError, match="timezone-aware"):
        CertInfo(**{**info.__dict__, "not_after": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="hexadecimal"):
        normalize_serial("xyz")


def test_inventory_json_has_exactly_the_documented_shape() -> None:
    node = Node("imp1", "imp1.example.com", Product.IMP, Role.SUBSCRIBER, "14.0.1.10000-20")
    ident = CertInfo.from_x509(build("imp1.example.com"), "tomcat", "tomcat.pem")
    peer = CertInfo.from_x509(build("peer", issuer="CA"), "tomcat-trust", "peer.pem")
    snap = Snapshot(
        "lab",
        NA - timedelta(days=1),
        (NodeSnapshot(node, (ident,), (TrustEntry("tomcat-trust", "peer.pem", peer),)),),
    )
    doc = json.loads(dumps(to_json(snap)))
    assert list(doc) == ["schema_version", "clusters"] and doc["schema_version"] == 1
    [cluster] = doc["clusters"]
    assert list(cluster) == ["name", "nodes"]
    [n] = cluster["nodes"]
    assert list(n) == [
        "name", "fqdn", "product", "role", "version", "identities", "trusts", "warnings"
    ]  # fmt: skip
    assert n["warnings"] == []
    assert (n["product"], n["role"], n["version"]) == ("imp", "subscriber", "14.0.1.10000-20")
    [i] = n["identities"]
    assert list(i) == [
        "unit", "file", "subject_cn", "issuer_cn", "self_signed", "distribution",
        "key_type", "key_bits", "serial", "not_before", "not_after", "sha256",
    ]  # fmt: skip
    assert i["not_after"] == "2026-11-28T04:00:00Z" and i["not_before"] == "2021-11-29T04:00:01Z"
    assert (i["distribution"], i["key_type"], i["serial"]) == ("single", "EC", "abc")
    [t] = n["trusts"]
    assert list(t) == [
        "store", "file", "subject_cn", "issuer_cn", "serial", "not_after", "sha256",
    ]  # fmt: skip
    assert (t["store"], t["issuer_cn"], t["sha256"]) == ("tomcat-trust", "CA", peer.sha256)


def test_to_json_accepts_several_clusters() -> None:
    a, b = Snapshot("a", NA), Snapshot("b", NA)
    assert [c["name"] for c in to_json([a, b])["clusters"]] == ["a", "b"]


def test_presented_serials_are_normalized_and_frozen() -> None:
    node = Node("c", "c.x", Product.CUCM, Role.PUBLISHER, "15")
    snap = NodeSnapshot(node, presented={"tomcat": "0A:BC"})
    assert dict(snap.presented) == {"tomcat": "abc"}
    with pytest.raises(TypeError):
        snap.presented["tomcat"] = "1"  # type: ignore[index]
