"""What Jabber devices must trust: self-signed certs themselves, or the CA chain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs7

from uccert.ca.bundle import (
    EntryKind,
    bundle_pem,
    bundle_pkcs7,
    bundle_readme,
    client_bundle,
)
from uccert.ca.chain import fingerprint

from .pki import FQDN, cluster, node_snapshot, pki, rsa_key


def test_self_signed_tomcat_and_cup_xmpp_of_every_node_are_in_the_bundle() -> None:
    snap = cluster()
    bundle = client_bundle(snap)
    users = {u for e in bundle.entries for u in e.used_by}
    assert users == {
        "cucm-pub tomcat",
        "cucm-sub1 tomcat",
        "imp-pub tomcat",
        "imp-pub cup-xmpp",
        "imp-sub1 tomcat",
        "imp-sub1 cup-xmpp",
    }
    assert all(e.kind is EntryKind.SELF_SIGNED for e in bundle.entries)
    assert bundle.problems == ()


def test_a_ca_signed_cert_brings_its_root_and_intermediate_not_itself() -> None:
    p = pki()
    leaf = p.leaf(rsa_key("t"), [FQDN["imp-pub"]])
    imp_pub = node_snapshot(
        "imp-pub",
        identities={"tomcat": leaf},
        trusts=[("tomcat-trust", p.inter), ("tomcat-trust", p.root)],
    )
    bundle = client_bundle(cluster(nodes={"imp-pub": imp_pub}))
    kinds = {fingerprint(e.cert): e.kind for e in bundle.entries}
    assert kinds[fingerprint(p.root)] is EntryKind.ROOT
    assert kinds[fingerprint(p.inter)] is EntryKind.INTERMEDIATE
    assert fingerprint(leaf) not in kinds
    assert bundle.entries[0].cert == p.root  # roots first


def test_an_issuer_in_no_trust_store_is_reported() -> None:
    p = pki()
    imp_pub = node_snapshot(
        "imp-pub", identities={"cup-xmpp": p.leaf(rsa_key("x"), [FQDN["imp-pub"]])}
    )
    bundle = client_bundle(cluster(nodes={"imp-pub": imp_pub}))
    (problem,) = bundle.problems
    assert problem.code == "issuer-not-found" and "A Issuing CA" in problem.message
    assert "Not complete" in bundle_readme(bundle)


def test_the_pkcs7_file_loads_and_holds_every_cert(tmp_path: Path) -> None:
    bundle = client_bundle(cluster())
    der = bundle_pkcs7(bundle)
    loaded = pkcs7.load_der_pkcs7_certificates(der)
    assert {fingerprint(c) for c in loaded} == {e.sha256 for e in bundle.entries}
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl binary")
    path = tmp_path / "b.p7b"
    path.write_bytes(der)
    out = subprocess.run(
        [openssl, "pkcs7", "-inform", "DER", "-in", str(path), "-print_certs", "-noout"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("subject=") == len(bundle.entries)


def test_the_pem_bundle_and_readme_describe_each_cert() -> None:
    bundle = client_bundle(cluster())
    text = bundle_pem(bundle)
    assert text.count("BEGIN CERTIFICATE") == len(bundle.entries)
    readme = bundle_readme(bundle)
    assert "Trusted Root Certification Authorities" in readme
    for e in bundle.entries:
        assert e.sha256 in readme and e.sha256 in text
