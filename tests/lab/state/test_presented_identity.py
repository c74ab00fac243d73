"""A TLS listener needs the key of the cert a service loaded, not of the newest cert."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from uccert.lab.state import Lab


def _public(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_tomcat_keeps_presenting_old_key_until_restarted(demo: Lab) -> None:
    before = demo.presented_identity("imp-pub", "tomcat")
    assert before is not None
    cert, key = before
    assert _public(key) == cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    demo.regenerate("imp-pub", "tomcat", via="ssh")
    still = demo.presented_identity("imp-pub", "tomcat")
    assert still is not None and still[0].serial_number == cert.serial_number
    assert _public(still[1]) == _public(key)
    demo.control_service("imp-pub", "Cisco Tomcat", "restart", via="ssh")
    demo.run_until_idle()
    after = demo.presented_identity("imp-pub", "tomcat")
    assert after is not None and after[0].serial_number != cert.serial_number
    assert _public(after[1]) != _public(key)


def test_every_trust_file_name_the_node_makes_is_one_cli_word(demo: Lab) -> None:
    """`show cert trust <store>/<file>` takes the file as one word, so the names the node
    makes have no spaces; only the seeded web-page upload has them (seed.PARTNER_CA_FILE)."""
    names = [t.file for node in demo.node_names() for t in demo.trust_certs(node)]
    assert names
    assert [n for n in names if " " in n] == ["tomcat-trust/Example Partner Root CA (2019).pem"]
