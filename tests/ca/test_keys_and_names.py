"""Key rules per unit (RSA <= 4096, EC for twins) and SAN name rules (no wildcards, exact)."""

from __future__ import annotations

import pytest

from uccert.ca.keys import (
    KeySpec,
    default_key,
    key_problems,
    parse_key_spec,
    public_key_sha256,
)
from uccert.ca.names import is_dns_name, missing_names, unique, wildcard_problems
from uccert.catalog import KeyAlgorithm
from uccert.errors import ConfigError

from .pki import csr_pem, ec_key, pki, rsa_key


def test_key_choices_parse_and_unknown_ones_name_the_choices() -> None:
    assert parse_key_spec("RSA3072") == KeySpec(KeyAlgorithm.RSA, 3072)
    assert parse_key_spec("ec384").name == "ec384"
    with pytest.raises(ConfigError, match="rsa2048, rsa3072, rsa4096, ec256, ec384"):
        parse_key_spec("rsa8192")


def test_ecdsa_twins_default_to_ec_and_rsa_units_to_rsa_2048() -> None:
    assert default_key("tomcat").name == "rsa2048"
    assert default_key("tomcat-ECDSA").name == "ec384"


def test_rsa_over_4096_is_refused() -> None:
    (p,) = key_problems(KeySpec(KeyAlgorithm.RSA, 8192), "tomcat", "the key")
    assert p.code == "key-too-large" and "4096" in p.message


def test_an_ec_key_for_an_rsa_unit_and_an_rsa_key_for_a_twin_are_refused() -> None:
    assert [p.code for p in key_problems(ec_key("x").public_key(), "tomcat", "k")] == ["key-type"]
    problems = key_problems(rsa_key("a").public_key(), "cup-xmpp-ECDSA", "k")
    assert [p.code for p in problems] == ["key-type"]
    assert key_problems(rsa_key("a").public_key(), "cup-xmpp", "k") == []


def test_the_public_key_hash_is_the_same_from_a_csr_and_its_certificate() -> None:
    from cryptography import x509

    key = rsa_key("a")
    csr = x509.load_pem_x509_csr(csr_pem(key, ["n.example.com"]).encode())
    leaf = pki().leaf(key, ["n.example.com"])
    assert public_key_sha256(csr.public_key()) == public_key_sha256(leaf.public_key())


def test_wildcards_are_refused_wherever_they_are() -> None:
    (p,) = wildcard_problems(["imp-pub.example.com", "*.example.com"], "--san")
    assert p.code == "wildcard" and "*.example.com" in p.message
    assert wildcard_problems(["a.example.com"], "x") == []


def test_dns_names() -> None:
    assert is_dns_name("imp-pub.example.com") and is_dns_name("imp-pub.example.com.")
    assert not is_dns_name("-bad.example.com")
    assert not is_dns_name("has space.example.com")
    assert not is_dns_name("")


def test_coverage_is_exact_ignoring_case_and_trailing_dots() -> None:
    assert missing_names(["IMP-PUB.example.com."], ["imp-pub.example.com"]) == []
    assert missing_names(["a.example.com", "a.example.com"], []) == ["a.example.com"]
    assert unique(["A.example.com", "a.example.com.", "b.example.com"]) == (
        "A.example.com",
        "b.example.com",
    )
