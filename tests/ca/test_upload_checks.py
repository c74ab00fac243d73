"""`uccert upload` refuses, before any change, every leaf the cluster would reject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from uccert.ca.chain import fingerprint
from uccert.ca.problems import Refused
from uccert.ca.upload_checks import UploadPlan, plan_upload
from uccert.model import Distribution, Snapshot

from .pki import FQDN, NOW, cluster, csr_pem, node_snapshot, pki, rsa_key, self_signed

KEY = rsa_key("imp-pub-tomcat")
IMP_PUB = FQDN["imp-pub"]


def pending(node: str = "imp-pub", names: list[str] | None = None) -> dict[str, str | None]:
    return {
        "cucm-pub": None,
        "cucm-sub1": None,
        "imp-pub": None,
        "imp-sub1": None,
        node: csr_pem(KEY, names or [FQDN[node]]),
    }


def plan(
    leaf: x509.Certificate,
    supplied: list[x509.Certificate] | None = None,
    *,
    unit: str = "tomcat",
    snapshot: Snapshot | None = None,
    waiting: dict[str, str | None] | None = None,
    domains: tuple[str, ...] = (),
) -> UploadPlan:
    p = pki()
    return plan_upload(
        snapshot or cluster(),
        unit,
        leaf,
        [p.inter, p.root] if supplied is None else supplied,
        pending() if waiting is None else waiting,
        NOW,
        domains,
    )


def refused(leaf: x509.Certificate, **kwargs: object) -> tuple[str, ...]:
    with pytest.raises(Refused) as info:
        plan(leaf, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message and message.startswith("upload refused, nothing was changed: ")
    return info.value.codes


def test_a_good_single_node_leaf_goes_to_its_node_with_root_then_intermediate() -> None:
    p = pki()
    leaf = p.leaf(KEY, [IMP_PUB])
    up = plan(leaf)
    assert up.distribution is Distribution.SINGLE
    assert up.install_on == "imp-pub" and up.covers == ("imp-pub",) and up.install_via_rest
    assert up.chain.certs == (leaf, p.inter, p.root)
    assert [(t.node, t.store, t.cert) for t in up.trust_uploads] == [
        ("imp-pub", "tomcat-trust", p.root),
        ("imp-pub", "tomcat-trust", p.inter),
    ]


def test_cas_already_in_the_trust_store_are_skipped_and_the_chain_may_come_from_there() -> None:
    p = pki()
    held = node_snapshot("imp-pub", trusts=[("tomcat-trust", p.root), ("tomcat-trust", p.inter)])
    up = plan(p.leaf(KEY, [IMP_PUB]), [], snapshot=cluster(nodes={"imp-pub": held}))
    assert up.trust_uploads == ()
    assert up.chain.from_store == {fingerprint(p.root), fingerprint(p.inter)}


def test_a_leaf_whose_key_matches_no_pending_csr_is_refused() -> None:
    leaf = pki().leaf(rsa_key("other"), [IMP_PUB])
    assert refused(leaf) == ("key-mismatch",)


def test_no_pending_csr_at_all_says_so() -> None:
    with pytest.raises(Refused, match=r"none is pending"):
        plan(pki().leaf(KEY, [IMP_PUB]), waiting={"imp-pub": None})


def test_a_chain_that_does_not_build_is_refused() -> None:
    assert refused(pki().leaf(KEY, [IMP_PUB]), supplied=[pki().root]) == ("chain-incomplete",)


def test_a_wildcard_leaf_is_refused() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB, "*.example.com"])
    assert refused(leaf) == ("wildcard",)


def test_a_wildcard_common_name_is_refused_too() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB], cn="*.example.com")
    assert refused(leaf) == ("wildcard",)


def test_an_expired_leaf_is_refused() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB], not_before=NOW - timedelta(days=20), days=10)
    assert refused(leaf) == ("expired",)


def test_a_leaf_not_valid_yet_is_refused() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB], not_before=NOW + timedelta(days=2))
    assert refused(leaf) == ("not-yet-valid",)


def test_a_leaf_that_does_not_name_its_node_is_refused() -> None:
    leaf = pki().leaf(KEY, ["somewhere.example.com"])
    assert refused(leaf) == ("names-missing",)


def test_a_server_only_leaf_is_refused() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB], eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    assert refused(leaf) == ("eku-missing",)


def test_a_self_signed_leaf_is_not_an_upload() -> None:
    leaf = self_signed(KEY, IMP_PUB)
    assert "self-signed" in refused(leaf)


def test_every_problem_is_reported_together() -> None:
    leaf = pki().leaf(
        KEY, ["*.example.com"], not_before=NOW - timedelta(days=20), days=10, eku=None
    )
    codes = refused(leaf, supplied=[])
    assert set(codes) == {"expired", "wildcard", "eku-missing", "names-missing", "chain-incomplete"}


def test_a_multi_server_leaf_is_uploaded_once_and_covers_every_imp_node() -> None:
    names = [FQDN["imp-pub"], FQDN["imp-sub1"]]
    p = pki()
    up = plan(p.leaf(KEY, names), unit="cup-xmpp", waiting=pending("imp-pub", names))
    assert up.distribution is Distribution.MULTI
    assert up.install_on == "imp-pub" and up.covers == ("imp-pub", "imp-sub1")
    assert [(t.node, t.store) for t in up.trust_uploads] == [
        ("imp-pub", "cup-xmpp-trust"),
        ("imp-pub", "cup-xmpp-trust"),
        ("imp-sub1", "cup-xmpp-trust"),
        ("imp-sub1", "cup-xmpp-trust"),
    ]


def test_a_multi_server_leaf_missing_a_node_is_refused() -> None:
    names = [FQDN["imp-pub"], FQDN["imp-sub1"]]
    leaf = pki().leaf(KEY, [*names[:1], "x.example.com"])
    codes = refused(leaf, unit="cup-xmpp", waiting=pending("imp-pub", names))
    assert codes == ("names-missing",)


def test_a_multi_server_upload_before_14_needs_rest() -> None:
    names = [FQDN["imp-pub"], FQDN["imp-sub1"]]
    leaf = pki().leaf(KEY, names)
    codes = refused(
        leaf, unit="cup-xmpp", waiting=pending("imp-pub", names), snapshot=cluster("12.5")
    )
    assert codes == ("needs-rest",)


def test_single_node_upload_before_14_goes_over_the_cli() -> None:
    up = plan(pki().leaf(KEY, [IMP_PUB]), snapshot=cluster("12.5"))
    assert not up.install_via_rest and not any(t.via_rest for t in up.trust_uploads)


def test_cup_xmpp_s2s_must_name_every_domain() -> None:
    leaf = pki().leaf(KEY, [IMP_PUB])
    assert refused(leaf, unit="cup-xmpp-s2s") == ("names-missing",)
    ok = pki().leaf(KEY, [IMP_PUB, "example.com", "chat.example.org"])
    assert plan(ok, unit="cup-xmpp-s2s", domains=("chat.example.org",)).covers == ("imp-pub",)


def test_a_node_that_could_not_be_read_stops_the_upload() -> None:
    snap = cluster(nodes={"imp-sub1": node_snapshot("imp-sub1", error="refused")})
    assert refused(pki().leaf(KEY, [IMP_PUB]), snapshot=snap) == ("node-unread",)


def test_a_unit_without_multi_server_distribution_stays_single_even_naming_two_nodes() -> None:
    names = [FQDN["imp-pub"], FQDN["imp-sub1"]]
    up = plan(pki().leaf(KEY, names), unit="cup", waiting=pending("imp-pub", names))
    assert up.distribution is Distribution.SINGLE and up.covers == ("imp-pub",)
