"""A unit's leaf must be a TLS server and client, and not a CA."""

from __future__ import annotations

from cryptography.x509.oid import ExtendedKeyUsageOID

from uccert.ca.usage import usage_problems

from .pki import ec_key, pki, rsa_key

FQDN = ["imp-pub.example.com"]


def codes(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in problems]


def test_server_and_client_auth_with_tls_key_usage_pass() -> None:
    assert usage_problems(pki().leaf(rsa_key("a"), FQDN), "tomcat") == []


def test_a_web_server_only_template_lacks_client_auth() -> None:
    leaf = pki().leaf(rsa_key("a"), FQDN, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    (p,) = usage_problems(leaf, "cup-xmpp")
    assert p.code == "eku-missing" and "clientAuth" in p.message


def test_no_extended_key_usage_at_all_is_refused() -> None:
    (p,) = usage_problems(pki().leaf(rsa_key("a"), FQDN, eku=None), "tomcat")
    assert p.code == "eku-missing" and "no extendedKeyUsage" in p.message


def test_any_extended_key_usage_covers_both() -> None:
    leaf = pki().leaf(rsa_key("a"), FQDN, eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    assert usage_problems(leaf, "tomcat") == []


def test_rsa_leaf_needs_key_encipherment_ec_does_not() -> None:
    rsa_leaf = pki().leaf(rsa_key("a"), FQDN, key_encipherment=False)
    assert codes(usage_problems(rsa_leaf, "tomcat")) == ["ku-missing"]
    ec_leaf = pki().leaf(ec_key("t"), FQDN, key_encipherment=False)
    assert usage_problems(ec_leaf, "tomcat-ECDSA") == []


def test_no_key_usage_extension_is_accepted() -> None:
    assert usage_problems(pki().leaf(rsa_key("a"), FQDN, key_usage=False), "tomcat") == []


def test_a_ca_certificate_is_not_a_leaf() -> None:
    leaf = pki().leaf(rsa_key("a"), FQDN, ca=True)
    assert "leaf-is-ca" in codes(usage_problems(leaf, "tomcat"))
