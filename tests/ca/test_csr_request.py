"""What `uccert csr` asks each node for, refused before anything is sent when it is wrong."""

from __future__ import annotations

import pytest
from cryptography import x509

from uccert.ca.csr_request import check_generated_csr, plan_csr, sidecar
from uccert.ca.keys import KeySpec, public_key_sha256
from uccert.ca.problems import Refused
from uccert.catalog import KeyAlgorithm
from uccert.model import Distribution

from .pki import FQDN, NOW, cluster, csr_pem, ec_key, node_snapshot, rsa_key, self_signed

SINGLE, MULTI = Distribution.SINGLE, Distribution.MULTI


def refused(**kwargs: object) -> tuple[str, ...]:
    snapshot = kwargs.pop("snapshot", None) or cluster()
    with pytest.raises(Refused) as info:
        plan_csr(snapshot, **kwargs)  # type: ignore[arg-type]
    text = str(info.value)
    assert "\n" not in text and "nothing was changed" in text
    return info.value.codes


def test_single_node_tomcat_is_one_csr_per_node_naming_that_node() -> None:
    plan = plan_csr(cluster(), "tomcat", SINGLE)
    assert [t.node for t in plan.targets] == ["cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1"]
    for t in plan.targets:
        assert t.alt_names == (t.fqdn,) and t.common_name == t.fqdn
        assert t.covers == (t.node,) and t.via_rest
    assert plan.key is not None and plan.key.name == "rsa2048"


def test_multi_server_tomcat_is_one_csr_on_the_cucm_publisher_naming_every_node() -> None:
    (t,) = plan_csr(cluster(), "tomcat", MULTI).targets
    assert t.node == "cucm-pub"
    assert set(t.alt_names) == set(FQDN.values())
    assert t.covers[0] == "cucm-pub" and set(t.covers) == set(FQDN)
    assert t.common_name == "cucm-pub-ms.example.com"


def test_multi_server_cup_xmpp_is_generated_on_the_imp_publisher_for_imp_nodes() -> None:
    (t,) = plan_csr(cluster(), "cup-xmpp", MULTI).targets
    assert t.node == "imp-pub" and t.covers == ("imp-pub", "imp-sub1")
    assert t.alt_names == (FQDN["imp-pub"], FQDN["imp-sub1"])


def test_ecdsa_twin_multi_server_cn_and_default_key() -> None:
    twins = {
        n: node_snapshot(n, identities={"cup-xmpp-ECDSA": self_signed(ec_key(n, 384), FQDN[n])})
        for n in ("imp-pub", "imp-sub1")
    }
    plan = plan_csr(cluster(nodes=twins), "cup-xmpp-ECDSA", MULTI)
    (t,) = plan.targets
    assert t.common_name == "imp-pub-EC-ms.example.com" and t.covers == ("imp-pub", "imp-sub1")
    assert plan.key is not None and plan.key.name == "ec384"


def test_cup_has_no_multi_server_distribution() -> None:
    assert refused(unit_name="cup", distribution=MULTI) == ("no-multi-server",)


def test_wildcard_and_bad_names_are_refused() -> None:
    codes = refused(
        unit_name="tomcat", distribution=SINGLE, extra_sans=["*.example.com", "bad name"]
    )
    assert codes == ("wildcard", "bad-name")


def test_keys_over_4096_and_of_the_wrong_type_are_refused() -> None:
    big = KeySpec(KeyAlgorithm.RSA, 8192)
    assert refused(unit_name="tomcat", distribution=SINGLE, key=big) == ("key-too-large",)
    ec = KeySpec(KeyAlgorithm.EC, 384)
    assert refused(unit_name="tomcat", distribution=SINGLE, key=ec) == ("key-type",)


def test_an_unknown_unit_is_refused() -> None:
    assert refused(unit_name="tomcatt", distribution=SINGLE) == ("unknown-unit",)


def test_a_node_that_could_not_be_read_cannot_be_covered() -> None:
    snap = cluster(nodes={"imp-sub1": node_snapshot("imp-sub1", error="timed out")})
    assert refused(snapshot=snap, unit_name="cup-xmpp", distribution=MULTI) == ("node-unread",)
    # a CUCM-only unit does not care about an IM/P node
    assert plan_csr(snap, "CallManager", SINGLE).targets


def test_cup_xmpp_s2s_names_every_domain() -> None:
    plan = plan_csr(cluster(), "cup-xmpp-s2s", MULTI, domains=["chat.example.org"])
    (t,) = plan.targets
    assert t.alt_names == (FQDN["imp-pub"], FQDN["imp-sub1"], "example.com", "chat.example.org")


def test_before_14_single_node_csrs_go_over_the_cli_with_the_nodes_own_key() -> None:
    plan = plan_csr(cluster("12.5"), "tomcat", SINGLE)
    assert plan.key is None and not any(t.via_rest for t in plan.targets)


def test_before_14_multi_server_sans_and_keys_need_rest() -> None:
    old = cluster("12.5")
    assert refused(snapshot=old, unit_name="tomcat", distribution=MULTI) == ("needs-rest",)
    codes = refused(snapshot=old, unit_name="tomcat", distribution=SINGLE, extra_sans=["a.b.c"])
    assert codes == ("needs-rest",)
    rsa = KeySpec(KeyAlgorithm.RSA, 2048)
    assert refused(snapshot=old, unit_name="tomcat", distribution=SINGLE, key=rsa) == (
        "needs-rest",
    )


def test_the_csr_a_node_returns_must_name_what_was_asked() -> None:
    (t,) = plan_csr(cluster(), "cup-xmpp", MULTI).targets
    key = rsa_key("csr")
    good = x509.load_pem_x509_csr(csr_pem(key, list(t.alt_names)).encode())
    assert check_generated_csr(good, t, "cup-xmpp", KeySpec(KeyAlgorithm.RSA, 2048)) == ([], [])
    short = x509.load_pem_x509_csr(csr_pem(key, [FQDN["imp-pub"]]).encode())
    problems, _ = check_generated_csr(short, t, "cup-xmpp", None)
    assert [p.code for p in problems] == ["csr-names-missing"]
    assert FQDN["imp-sub1"] in problems[0].message


def test_another_key_size_than_asked_is_a_note_not_a_problem() -> None:
    (t, *_) = plan_csr(cluster(), "tomcat", SINGLE).targets
    csr = x509.load_pem_x509_csr(csr_pem(rsa_key("csr"), [t.fqdn]).encode())
    problems, notes = check_generated_csr(csr, t, "tomcat", KeySpec(KeyAlgorithm.RSA, 4096))
    assert problems == []
    assert notes == [f"{t.node}: the node generated a rsa2048 key, not rsa4096 as asked"]


def test_the_sidecar_records_node_unit_key_fingerprint_and_time() -> None:
    plan = plan_csr(cluster(), "tomcat", SINGLE)
    t = plan.targets[2]
    key = rsa_key("csr")
    csr = x509.load_pem_x509_csr(csr_pem(key, [t.fqdn]).encode())
    doc = sidecar(plan, t, csr, via="rest", generated_at=NOW, csr_file="tomcat-imp-pub.csr")
    assert doc["node"] == "imp-pub" and doc["unit"] == "tomcat"
    assert doc["public_key_sha256"] == public_key_sha256(key.public_key())
    assert doc["generated_at"] == "2026-06-01T00:00:00Z" and doc["key"] == "rsa2048"
    assert doc["distribution"] == "single" and doc["covers_fqdns"] == [t.fqdn]
