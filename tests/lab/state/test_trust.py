"""Deleting and importing trust certs; CSRs and CA-signed uploads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from uccert.lab.state import Lab, LabCommandError, OwnCert

from .conftest import START, LabFactory
from .test_certs import own


def files(lab: Lab, node: str, store: str) -> list[str]:
    return [t.file for t in lab.trust_certs(node) if t.store == store]


def peer_tomcat_file(lab: Lab, node: str = "imp-sub1") -> str:
    cert = own(lab, "cucm-pub", "tomcat").cert
    return next(t.file for t in lab.trust_certs(node) if t.cert == cert)


@pytest.mark.parametrize("store", ["tomcat", "cup", "ipsec", "cup-xmpp"])
def test_identity_certs_cannot_be_deleted(minimal: Lab, store: str) -> None:
    with pytest.raises(LabCommandError, match="identity certificate"):
        minimal.delete_trust("imp-pub", store, f"{store}/{store}.pem", "ssh")
    assert own(minimal, "imp-pub", store)


def test_unknown_trust_file_is_refused(minimal: Lab) -> None:
    with pytest.raises(LabCommandError, match=r"no tomcat-trust/nope\.pem"):
        minimal.delete_trust("imp-pub", "tomcat-trust", "nope.pem", "ssh")


def test_from_11_0_a_delete_propagates_to_every_node_holding_it(minimal: Lab) -> None:
    name = peer_tomcat_file(minimal)
    minimal.delete_trust("imp-sub1", "tomcat-trust", name.split("/")[1], "ssh")
    assert all(name not in files(minimal, n, "tomcat-trust") for n in minimal.node_names())
    assert [(e.node, e.kind) for e in minimal.events] == [
        ("imp-sub1", "trust-deleted"),
        ("cucm-pub", "trust-deleted"),
        ("imp-pub", "trust-deleted"),
    ]


def test_before_11_0_ccn_puts_a_deleted_trust_cert_back(make_lab: LabFactory) -> None:
    lab = make_lab("minimal", "10.5")
    name = peer_tomcat_file(lab)
    lab.delete_trust("imp-sub1", "tomcat-trust", name, "ssh")
    assert name in files(lab, "imp-sub1", "tomcat-trust")
    assert name in files(lab, "imp-pub", "tomcat-trust")
    assert [e.kind for e in lab.events] == ["trust-deleted", "trust-added"]


def test_before_11_0_the_delete_sticks_when_every_peers_ccn_is_stopped(
    make_lab: LabFactory,
) -> None:
    lab = make_lab("minimal", "10.5")
    for node in ("cucm-pub", "imp-pub"):
        lab.control_service(node, "Cisco Certificate Change Notification", "stop", "ssh")
    lab.run_until_idle()
    name = peer_tomcat_file(lab)
    lab.delete_trust("imp-sub1", "tomcat-trust", name, "ssh")
    assert name not in files(lab, "imp-sub1", "tomcat-trust")
    assert name in files(lab, "imp-pub", "tomcat-trust")  # not propagated before 11.0


def test_import_trust_adds_a_named_entry(minimal: Lab, keys: object) -> None:
    ca, _ = make_ca(minimal)
    pem = ca.public_bytes(serialization.Encoding.PEM).decode()
    entry = minimal.import_trust("imp-pub", "tomcat-trust", pem, "ssh")
    serial = format(ca.serial_number, "x")
    assert entry.file == f"tomcat-trust/Test_Root_CA_{serial}.pem"
    assert entry in minimal.trust_certs("imp-pub")
    assert minimal.events[-1].to_json()["kind"] == "trust-added"
    with pytest.raises(LabCommandError, match="not a PEM"):
        minimal.import_trust("imp-pub", "tomcat-trust", "garbage", "ssh")
    with pytest.raises(LabCommandError, match="no trust store"):
        minimal.import_trust("imp-pub", "CallManager-trust", pem, "ssh")


def make_ca(lab: Lab) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START - timedelta(days=1))
        .not_valid_after(START + timedelta(days=900))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return ca, key


def sign_pending(lab: Lab, node: str, unit: str, import_ca: bool = True) -> OwnCert:
    """Generate a CSR on the node, sign it with a test CA, upload leaf + CA."""
    csr = x509.load_pem_x509_csr(lab.generate_csr(node, unit, "ssh").encode())
    ca, ca_key = make_ca(lab)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=365))
        .sign(ca_key, hashes.SHA256())
    )
    chain = leaf.public_bytes(serialization.Encoding.PEM).decode()
    if import_ca:
        chain += ca.public_bytes(serialization.Encoding.PEM).decode()
    return lab.import_own(node, unit, chain, "ssh")


def test_csr_then_ca_signed_upload_replaces_the_own_cert(minimal: Lab) -> None:
    uploaded = sign_pending(minimal, "imp-pub", "cup-xmpp")
    assert uploaded.description == "Certificate Signed by Test Root CA"
    assert own(minimal, "imp-pub", "cup-xmpp") == uploaded
    assert [e.kind for e in minimal.events] == ["csr-generated", "cert-uploaded"]


def test_upload_without_a_matching_csr_is_refused(minimal: Lab) -> None:
    pem = own(minimal, "imp-sub1", "tomcat").pem
    with pytest.raises(LabCommandError, match="pending CSR"):
        minimal.import_own("imp-pub", "tomcat", pem, "ssh")


def test_upload_whose_issuer_is_not_trusted_is_refused(minimal: Lab) -> None:
    with pytest.raises(LabCommandError, match="import the CA certificate into tomcat-trust"):
        sign_pending(minimal, "imp-pub", "tomcat", import_ca=False)
