"""What the Certificate Management REST needs of the lab: pending CSR text, the issuer-in-trust
check, and multi-server distribution of an uploaded cert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from uccert.lab.state import Lab, LabCommandError

from .conftest import START
from .test_certs import own
from .test_trust import make_ca


def signed_by_ca(lab: Lab, csr_pem: str) -> tuple[str, str]:
    """(leaf PEM, CA PEM) for the CSR, signed by a fresh test CA."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    ca, ca_key = make_ca(lab)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=365))
        .add_extension(
            csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value, False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return leaf.public_bytes(pem).decode(), ca.public_bytes(pem).decode()


def test_pending_csr_is_kept_until_the_upload(minimal: Lab) -> None:
    assert minimal.pending_csr("imp-pub", "tomcat") is None
    pem = minimal.generate_csr("imp-pub", "tomcat", "rest", cn="imp-ms.example")
    assert minimal.pending_csr("imp-pub", "tomcat") == pem
    subject = x509.load_pem_x509_csr(pem.encode()).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "imp-ms.example"
    leaf, ca = signed_by_ca(minimal, pem)
    minimal.import_own("imp-pub", "tomcat", leaf + ca, "rest")
    assert minimal.pending_csr("imp-pub", "tomcat") is None
    with pytest.raises(LabCommandError, match="no unit"):
        minimal.pending_csr("imp-pub", "CallManager")


def test_issuer_trusted_looks_only_at_the_units_trust_store(minimal: Lab) -> None:
    leaf, ca = signed_by_ca(minimal, minimal.generate_csr("imp-pub", "tomcat", "rest"))
    assert minimal.issuer_trusted("imp-pub", "tomcat", own(minimal, "imp-pub", "tomcat").pem)
    assert not minimal.issuer_trusted("imp-pub", "tomcat", leaf + ca)  # the chain does not count
    minimal.import_trust("imp-pub", "cup-trust", ca, "rest")
    assert not minimal.issuer_trusted("imp-pub", "tomcat", leaf)
    minimal.import_trust("imp-pub", "tomcat-trust", ca, "rest")
    assert minimal.issuer_trusted("imp-pub", "tomcat", leaf)
    assert not minimal.issuer_trusted("imp-sub1", "tomcat", leaf)


def test_share_own_installs_the_same_cert_and_key_on_peers(minimal: Lab) -> None:
    names = [minimal.spec(n).fqdn for n in ("imp-pub", "imp-sub1")]
    leaf, ca = signed_by_ca(minimal, minimal.generate_csr("imp-pub", "tomcat", alt_names=names))
    minimal.import_own("imp-pub", "tomcat", leaf + ca, "rest")
    shared = minimal.share_own("imp-pub", "tomcat", ["imp-pub", "imp-sub1"], "rest")
    assert [s.unit for s in shared] == ["tomcat"]
    assert own(minimal, "imp-sub1", "tomcat").cert == own(minimal, "imp-pub", "tomcat").cert
    kinds = [(e.node, e.kind) for e in minimal.events if e.kind == "cert-uploaded"]
    assert kinds == [("imp-pub", "cert-uploaded"), ("imp-sub1", "cert-uploaded")]
    with pytest.raises(LabCommandError, match="no unit"):
        minimal.share_own("imp-pub", "cup", ["cucm-pub"], "rest")
