"""Duplicates, CN clash (§6), HA (§3), services (§1, §7), reachability and the registry."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from builders import DOMAIN, NOW, node_of, with_identity, with_node
from uccert.checks import CHECKS, CODES, exit_code_for, run_checks
from uccert.model import (
    Finding,
    HaNodeState,
    RedundancyGroup,
    ReplicationState,
    RunState,
    ServiceState,
    Severity,
    Snapshot,
)

from .build import FQDNS, cert, healthy_cluster, trust


def only(code: str, findings: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.code == code]


def test_same_trust_cert_twice_in_one_store_is_a_duplicate() -> None:
    peer = cert("x", "peer.example.net", serial=3)
    entries = (trust("tomcat-trust", peer, "a.pem"), trust("tomcat-trust", peer, "b.pem"))
    [f] = run_checks(with_node(healthy_cluster(), "cucm-pub", trusts=entries), NOW)
    assert (f.code, f.severity, f.node) == ("trust-duplicate", Severity.WARNING, "cucm-pub")
    assert "a.pem, b.pem" in f.message


def test_same_cert_in_two_stores_is_not_a_duplicate() -> None:
    peer = cert("x", "peer.example.net", serial=3)
    entries = (trust("tomcat-trust", peer), trust("cup-trust", peer))
    assert run_checks(with_node(healthy_cluster(), "cucm-pub", trusts=entries), NOW) == ()


def clash_snapshot(features: frozenset[str] = frozenset()) -> Snapshot:
    snap = healthy_cluster(features)
    ids = tuple(
        cert("cup-xmpp", FQDNS["imp-sub1"], serial=0x77) if c.unit == "cup-xmpp" else c
        for c in node_of(snap, "imp-sub1").identities
    )
    return with_node(snap, "imp-sub1", identities=ids)


def test_self_signed_tomcat_and_cup_xmpp_sharing_a_cn_is_info_without_mra() -> None:
    [f] = run_checks(clash_snapshot(), NOW)
    assert (f.code, f.severity, f.node) == ("cn-clash", Severity.INFO, "imp-sub1")
    assert exit_code_for([f]) == 0


def test_cn_clash_is_a_warning_when_expressway_mra_is_in_use() -> None:
    [f] = run_checks(clash_snapshot(frozenset({"mra"})), NOW)
    assert f.severity is Severity.WARNING and "Expressway" in f.message
    assert exit_code_for([f]) == 3


def test_cn_clash_ignores_ca_signed_certs_and_cucm_nodes() -> None:
    snap = healthy_cluster()
    ids = tuple(
        cert("cup-xmpp", FQDNS["imp-sub1"], serial=0x78, issuer_cn="Corp CA")
        if c.unit == "cup-xmpp"
        else c
        for c in node_of(snap, "imp-sub1").identities
    )
    assert run_checks(with_node(snap, "imp-sub1", identities=ids), NOW) == ()
    cucm = (cert("tomcat", f"x.{DOMAIN}", serial=1), cert("cup-xmpp", f"x.{DOMAIN}", serial=2))
    assert only("cn-clash", run_checks(with_node(snap, "cucm-sub1", identities=cucm), NOW)) == []


def test_a_redundancy_group_with_ha_off_is_a_warning() -> None:
    snap = healthy_cluster()
    snap = replace(snap, groups=(RedundancyGroup("prg1", "imp-pub", "imp-sub1", False),))
    [f] = run_checks(snap, NOW)
    assert (f.code, f.severity, f.node, f.subject) == (
        "ha-disabled",
        Severity.WARNING,
        None,
        "prg1",
    )
    assert "imp-pub and imp-sub1" in f.message and "Enable High Availability" in f.fix


def services_with(name: str, service: ServiceState) -> Snapshot:
    snap = healthy_cluster()
    rest = tuple(s for s in node_of(snap, name).services if s.name != service.name)
    return with_node(snap, name, services=(*rest, service))


def test_stopped_sip_proxy_on_imp_is_reported_as_serving_cup() -> None:
    snap = services_with("imp-sub1", ServiceState("Cisco SIP Proxy", RunState.STOPPED))
    [f] = run_checks(snap, NOW)
    assert (f.code, f.node, f.subject) == ("service-not-running", "imp-sub1", "Cisco SIP Proxy")
    assert "cup" in f.message


def test_a_deactivated_service_is_not_expected_to_run() -> None:
    stopped = ServiceState("Cisco SIP Proxy", RunState.STOPPED, activated=False)
    assert run_checks(services_with("imp-sub1", stopped), NOW) == ()


def test_drf_master_only_matters_where_it_runs() -> None:
    master = ServiceState("Cisco DRF Master", RunState.STOPPED)
    assert [f.code for f in run_checks(services_with("cucm-pub", master), NOW)] == [
        "service-not-running"
    ]
    assert run_checks(services_with("imp-sub1", master), NOW) == ()


def test_a_new_tomcat_not_yet_presented_is_a_pending_restart() -> None:
    snap = with_node(healthy_cluster(), "imp-sub1", presented={"tomcat": "00:DE:AD"})
    [f] = run_checks(snap, NOW)
    assert (f.code, f.subject) == ("restart-pending", "tomcat")
    assert "dead" in f.message
    assert "`utils service restart Cisco Tomcat`" in f.fix


def test_a_service_presenting_an_old_serial_is_a_pending_restart() -> None:
    router = ServiceState("Cisco XCP Router", RunState.STARTED, presented_serial="beef")
    [f] = run_checks(services_with("imp-sub1", router), NOW)
    assert (f.code, f.subject) == ("restart-pending", "Cisco XCP Router")


def test_presenting_the_stored_serial_is_fine() -> None:
    tomcat = node_of(healthy_cluster(), "imp-sub1").identity("tomcat")
    assert tomcat is not None
    snap = with_node(healthy_cluster(), "imp-sub1", presented={"tomcat": tomcat.serial.upper()})
    assert run_checks(snap, NOW) == ()


def test_unreachable_node_is_one_error_and_nothing_else() -> None:
    snap = with_node(healthy_cluster(), "imp-sub1", error="SSH timeout", identities=())
    [f] = run_checks(snap, NOW)
    assert (f.code, f.severity, f.node) == ("node-unreachable", Severity.ERROR, "imp-sub1")
    assert "SSH timeout" in f.message and exit_code_for([f]) == 1  # not checked: failed


def test_unparseable_version_skips_only_version_dependent_checks() -> None:
    snap = healthy_cluster()
    bad = node_of(snap, "imp-sub1")
    snap = with_node(snap, "imp-sub1", node=type(bad.node)(**{**bad.node.__dict__, "version": "?"}))
    assert run_checks(snap, NOW) == ()


def test_findings_are_sorted_most_severe_first_and_codes_are_registered() -> None:
    snap = with_node(
        clash_snapshot(frozenset()),
        "cucm-sub1",
        error="down",
        identities=(),
    )
    found = run_checks(snap, NOW)
    assert [f.severity for f in found] == [Severity.ERROR, Severity.INFO]
    assert {f.code for f in found} <= CODES
    assert len({c.name for c in CHECKS}) == len(CHECKS)


def test_exit_code_is_three_for_warnings_and_errors_only() -> None:
    def f(sev: Severity) -> Finding:
        return Finding("x", sev, "c", None, "s", "m", "fix")

    assert exit_code_for([]) == 0
    assert exit_code_for([f(Severity.INFO)]) == 0
    assert exit_code_for([f(Severity.INFO), f(Severity.WARNING)]) == 3
    assert exit_code_for([f(Severity.ERROR)]) == 3


def test_naive_now_and_negative_window_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run_checks(healthy_cluster(), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="warn_days"):
        run_checks(healthy_cluster(), NOW, -1)


def test_a_failed_over_node_is_reported_with_the_fallback_fix() -> None:
    states = (
        HaNodeState("prg-a", "imp-pub", "Failed Over", None),
        HaNodeState("prg-a", "imp-sub1", "Running in Backup Mode", "Critical Service Down"),
    )
    snap = with_node(healthy_cluster(), "imp-pub", ha_states=states)
    found = [f for f in run_checks(snap, NOW) if f.code == "ha-not-normal"]
    assert [(f.subject, f.severity) for f in found] == [("prg-a", Severity.ERROR)] * 2
    assert "imp-pub is Failed Over" in found[0].message
    assert "fall back" in found[0].fix
    normal = (HaNodeState("prg-a", "imp-pub", "Normal"),)
    clean = with_node(healthy_cluster(), "imp-pub", ha_states=normal)
    assert not [f for f in run_checks(clean, NOW) if f.code == "ha-not-normal"]


def test_replication_not_good_is_an_error_naming_the_node() -> None:
    rows = (ReplicationState("cucm-pub", 2, "Setup Completed"), ReplicationState("cucm-sub1", 3))
    snap = with_node(healthy_cluster(), "cucm-pub", replication=rows)
    [found] = [f for f in run_checks(snap, NOW) if f.code == "replication-not-good"]
    assert (found.subject, found.severity) == ("cucm-sub1", Severity.ERROR)
    assert "Replication is bad in the cluster" in found.message
    assert "utils dbreplication repair all" in found.fix


def _drf_master_started(at: datetime) -> tuple[ServiceState, ...]:
    pub = node_of(healthy_cluster(), "cucm-pub")
    return tuple(
        replace(s, started_at=at) if s.name == "Cisco DRF Master" else s for s in pub.services
    )


def test_drf_master_started_before_a_served_nodes_drf_cert_is_a_pending_restart() -> None:
    snap = healthy_cluster()
    tomcat = node_of(snap, "imp-sub1").identity("tomcat")  # 14.0: DRF uses tomcat (TAC 215534)
    assert tomcat is not None
    assert "Cisco DRF Master" in {s.name for s in node_of(snap, "cucm-pub").services}
    before = with_node(snap, "cucm-pub", services=_drf_master_started(tomcat.not_before))
    assert not [f for f in run_checks(before, NOW) if f.code == "drf-restart-pending"]
    newer = replace(tomcat, not_before=tomcat.not_before + timedelta(minutes=5))
    changed = with_identity(before, "imp-sub1", newer)
    found = [f for f in run_checks(changed, NOW) if f.code == "drf-restart-pending"]
    assert [(f.node, f.subject) for f in found] == [("cucm-pub", "imp-sub1")]
    assert "utils service restart Cisco DRF Master" in found[0].fix
    # before 14 DRF uses ipsec: the same tomcat change leaves DRF Master alone
    old = replace(
        changed,
        nodes=tuple(replace(n, node=replace(n.node, version="12.5")) for n in changed.nodes),
    )
    assert not [f for f in run_checks(old, NOW) if f.code == "drf-restart-pending"]
