"""§4: the CUCM publisher's ipsec.pem serial must be in every other node's ipsec-trust."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from builders import NOW, node_of, with_node
from uccert.checks import run_checks
from uccert.model import Finding, Severity

from .build import FQDNS, PUB_IPSEC, cert, healthy_cluster, trust


def ipsec_findings(snapshot: object) -> list[Finding]:
    return [f for f in run_checks(snapshot, NOW) if f.code.startswith("ipsec")]  # type: ignore[arg-type]


def test_a_cluster_whose_subscribers_all_trust_the_publisher_ipsec_cert_passes() -> None:
    assert ipsec_findings(healthy_cluster()) == []


def test_subscriber_holding_an_old_publisher_ipsec_cert_is_a_mismatch() -> None:
    old = cert("ipsec", FQDNS["cucm-pub"], serial=0x99)
    snap = with_node(healthy_cluster(), "cucm-sub1", trusts=(trust("ipsec-trust", old),))
    [finding] = ipsec_findings(snap)
    assert finding.code == "ipsec-trust-mismatch"
    assert finding.severity is Severity.ERROR
    assert finding.node == "cucm-sub1"
    assert "99" in finding.message and "a1" in finding.message
    assert "re-import the CUCM publisher's ipsec.pem" in finding.fix


def test_imp_publisher_is_a_subscriber_for_ipsec_trust_and_is_checked_too() -> None:
    snap = with_node(healthy_cluster(), "imp-pub", trusts=())
    [finding] = ipsec_findings(snap)
    assert (finding.code, finding.node) == ("ipsec-trust-missing", "imp-pub")


def test_a_deleted_hostname_pem_is_missing_not_mismatch() -> None:
    other = cert("ipsec", FQDNS["imp-pub"], serial=0xA1)  # same serial, other CN
    snap = with_node(healthy_cluster(), "imp-sub1", trusts=(trust("ipsec-trust", other),))
    [finding] = ipsec_findings(snap)
    assert finding.code == "ipsec-trust-missing"
    assert "imp-sub1" in finding.message and FQDNS["cucm-pub"] in finding.message


def test_publisher_cert_in_another_store_does_not_count() -> None:
    snap = with_node(healthy_cluster(), "cucm-sub1", trusts=(trust("tomcat-trust", PUB_IPSEC),))
    assert [f.code for f in ipsec_findings(snap)] == ["ipsec-trust-missing"]


def test_a_stale_entry_next_to_the_current_one_is_not_a_mismatch() -> None:
    old = cert("ipsec", FQDNS["cucm-pub"], serial=0x99)
    entries = (trust("ipsec-trust", old, "old.pem"), trust("ipsec-trust", PUB_IPSEC))
    snap = with_node(healthy_cluster(), "cucm-sub1", trusts=entries)
    assert ipsec_findings(snap) == []


def test_subscribers_ipsec_certs_are_not_required_in_the_publisher_trust() -> None:
    assert node_of(healthy_cluster(), "cucm-pub").trusts == ()
    assert ipsec_findings(healthy_cluster()) == []


def test_every_subscriber_is_reported_after_the_publisher_regenerated_ipsec() -> None:
    new_pub = cert("ipsec", FQDNS["cucm-pub"], serial=0xB2)
    snap = with_node(healthy_cluster(), "cucm-pub", identities=(new_pub,))
    found = ipsec_findings(snap)
    assert {f.node for f in found} == {"cucm-sub1", "imp-pub", "imp-sub1"}
    assert {f.code for f in found} == {"ipsec-trust-mismatch"}


def test_unreachable_publisher_skips_the_ipsec_check() -> None:
    snap = with_node(healthy_cluster(), "cucm-pub", identities=(), error="timeout")
    assert ipsec_findings(snap) == []


def test_unreachable_subscriber_is_not_blamed_for_its_trust() -> None:
    snap = with_node(healthy_cluster(), "imp-sub1", trusts=(), error="refused")
    assert ipsec_findings(snap) == []


def test_publisher_without_an_ipsec_cert_in_the_snapshot_is_reported() -> None:
    pub = node_of(healthy_cluster(), "cucm-pub")
    tomcat_only = tuple(c for c in pub.identities if c.unit != "ipsec")
    snap = with_node(healthy_cluster(), "cucm-pub", identities=tomcat_only)
    [finding] = ipsec_findings(snap)
    assert (finding.code, finding.severity) == ("ipsec-publisher-missing", Severity.WARNING)
