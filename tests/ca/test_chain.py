"""Chains build from the leaf to a self-signed root, whatever order the certs come in."""

from __future__ import annotations

from datetime import timedelta

from cryptography import x509

from uccert.ca.chain import build_chain, fingerprint

from .pki import NOW, ca_cert, ec_key, leaf_cert, pki, rsa_key, self_signed


def test_an_unordered_chain_comes_out_leaf_intermediate_root() -> None:
    p = pki()
    leaf = p.leaf(rsa_key("a"), ["imp-pub.example.com"])
    chain, problems = build_chain(leaf, [p.root, p.inter, leaf], (), NOW)
    assert problems == []
    assert chain.complete
    assert chain.certs == (leaf, p.inter, p.root)
    assert chain.root == p.root and chain.intermediates == (p.inter,)
    assert chain.ca_certs == (p.root, p.inter)  # the order a trust store receives them
    assert chain.from_store == frozenset()


def test_the_root_may_come_from_the_trust_store() -> None:
    p = pki()
    leaf = p.leaf(rsa_key("a"), ["imp-pub.example.com"])
    chain, problems = build_chain(leaf, [p.inter], [p.root], NOW)
    assert problems == [] and chain.complete
    assert chain.from_store == {fingerprint(p.root)}


def test_a_missing_intermediate_names_the_issuer_it_needs() -> None:
    p = pki()
    leaf = p.leaf(rsa_key("a"), ["imp-pub.example.com"])
    chain, (problem,) = build_chain(leaf, [p.root], (), NOW)
    assert not chain.complete
    assert problem.code == "chain-incomplete"
    assert "'A Issuing CA'" in problem.message and "--chain" in problem.fix


def test_an_intermediate_with_the_right_name_but_another_key_is_refused() -> None:
    p = pki()
    impostor = ca_cert("A Issuing CA", ec_key("impostor"), (p.root, p.root_key))
    leaf = p.leaf(rsa_key("a"), ["imp-pub.example.com"])
    _, problems = build_chain(leaf, [impostor, p.root], (), NOW)
    assert [x.code for x in problems] == ["bad-signature"]


def test_a_leaf_posing_as_intermediate_is_not_a_ca() -> None:
    p = pki()
    not_ca = ca_cert("B Issuing", ec_key("b-i"), (p.root, p.root_key), ca=False)
    _, problems = build_chain(leaf_signed_by(not_ca, "b-i"), [not_ca, p.root], (), NOW)
    assert [x.code for x in problems] == ["not-a-ca"]


def test_a_ca_without_keycertsign_cannot_sign() -> None:
    p = pki()
    weak = ca_cert("C Issuing", ec_key("c-i"), (p.root, p.root_key), key_cert_sign=False)
    _, problems = build_chain(leaf_signed_by(weak, "c-i"), [weak, p.root], (), NOW)
    assert [x.code for x in problems] == ["not-a-ca"]
    assert "keyCertSign" in problems[0].message


def test_path_length_zero_on_the_root_forbids_an_intermediate() -> None:
    root_key = ec_key("d-root")
    root = ca_cert("D Root", root_key, path_length=0)
    inter = ca_cert("D Issuing", ec_key("d-i"), (root, root_key))
    _, problems = build_chain(leaf_signed_by(inter, "d-i"), [inter, root], (), NOW)
    assert [x.code for x in problems] == ["path-length"]


def test_an_expired_intermediate_is_refused() -> None:
    p = pki()
    old = ca_cert(
        "E Issuing",
        ec_key("e-i"),
        (p.root, p.root_key),
        not_before=NOW - timedelta(days=400),
        days=100,
    )
    _, problems = build_chain(leaf_signed_by(old, "e-i"), [old, p.root], (), NOW)
    assert [x.code for x in problems] == ["ca-expired"]


def test_a_self_signed_leaf_is_its_own_chain() -> None:
    leaf = self_signed(ec_key("ss"), "imp-pub.example.com")
    chain, problems = build_chain(leaf, [], (), NOW)
    assert problems == [] and chain.complete and chain.certs == (leaf,)
    assert chain.root is None and chain.ca_certs == ()


def leaf_signed_by(issuer: x509.Certificate, key_label: str) -> x509.Certificate:
    return leaf_cert(issuer.subject, ec_key(key_label), rsa_key("a"), ["x.example.com"])
