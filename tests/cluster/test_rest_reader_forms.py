"""``snapshot/server`` names a trust store ``tomcat`` or ``tomcat-trust``: both are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from uccert.cluster.rest_reader import certs_from_snapshot
from uccert.protocols.certmgr import parse_snapshot

pytestmark = pytest.mark.pure  # in `make check`: needs no lab and no network


def _pem(cn: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_both_trust_service_forms_name_the_same_store() -> None:
    payload = {
        "server": "cucm-pub.lab.example",
        "identities": [{"service": "tomcat", "certificate": _pem("cucm-pub.lab.example")}],
        "trusts": [
            {
                "service": "tomcat",
                "certificate_data": [{"filename": "a.pem", "certificate": _pem("a")}],
            },
            {
                "service": "tomcat-trust",
                "certificate_data": [
                    {"filename": "Partner Root CA (2019).pem", "certificate": _pem("b")}
                ],
            },
        ],
    }
    _, trusts = certs_from_snapshot(parse_snapshot(payload), ["cucm-pub.lab.example"])
    assert [(t.store, t.file) for t in trusts] == [
        ("tomcat-trust", "a.pem"),
        ("tomcat-trust", "Partner Root CA (2019).pem"),
    ]
