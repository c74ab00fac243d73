"""HA: the 120 s sync delay and the Server Recovery Manager's 90 s failover."""

from __future__ import annotations

from uccert.lab.state import Lab


def failovers(lab: Lab) -> list[dict[str, object]]:
    return [e.to_json() for e in lab.events if e.kind == "failover"]


def test_presence_engine_restart_with_ha_on_fails_over_at_90_s(demo: Lab) -> None:
    demo.advance_to(1000)
    done = demo.control_service("imp-sub2", "Cisco Presence Engine", "restart", "ssh")
    assert done == 1150
    demo.advance_to(1089)
    assert failovers(demo) == []
    demo.advance_to(1090)
    assert failovers(demo) == [
        {
            "seq": 4,
            "t": 1090.0,
            "node": "imp-sub2",
            "kind": "failover",
            "group": "Subcluster2",
            "from_node": "imp-sub2",
            "to_node": "imp-sub3",
        }
    ]
    demo.run_until_idle()
    assert len(failovers(demo)) == 1


def test_sip_proxy_restart_with_ha_on_does_not_fail_over(demo: Lab) -> None:
    demo.control_service("imp-pub", "Cisco SIP Proxy", "restart", "ssh")
    demo.run_until_idle()
    assert failovers(demo) == []


def test_ha_turned_off_less_than_120_s_before_still_fails_over(demo: Lab) -> None:
    demo.set_ha("DefaultCUPSubcluster", False, "soap")
    assert demo.groups()[0].ha_enabled is False
    assert demo.groups()[0].ha_effective is True
    demo.advance_to(10)
    demo.control_service("imp-pub", "Cisco Presence Engine", "restart", "ssh")
    demo.run_until_idle()
    assert [(f["t"], f["from_node"], f["to_node"]) for f in failovers(demo)] == [
        (100.0, "imp-pub", "imp-sub1")
    ]
    assert demo.events[0].to_json() == {
        "seq": 1,
        "t": 0.0,
        "node": "cucm-pub",
        "kind": "ha-changed",
        "group": "DefaultCUPSubcluster",
        "enabled": False,
        "via": "soap",
    }


def test_ha_turned_off_120_s_before_means_no_failover(demo: Lab) -> None:
    demo.set_ha("DefaultCUPSubcluster", False, "soap")
    demo.advance_to(120)
    assert demo.groups()[0].ha_effective is False
    demo.control_service("imp-pub", "Cisco Presence Engine", "restart", "ssh")
    demo.run_until_idle()
    assert failovers(demo) == []


def test_the_other_group_still_fails_over(demo: Lab) -> None:
    demo.set_ha("DefaultCUPSubcluster", False, "soap")
    demo.advance_to(120)
    demo.control_service("imp-sub3", "Cisco Presence Engine", "restart", "ssh")
    demo.run_until_idle()
    assert [f["to_node"] for f in failovers(demo)] == ["imp-sub2"]


def test_turning_ha_on_starts_the_count_when_it_becomes_effective(minimal: Lab) -> None:
    minimal.set_ha("DefaultCUPSubcluster", False, "soap")
    minimal.advance_to(200)
    minimal.control_service("imp-pub", "Cisco Client Profile Agent", "stop", "ssh")
    minimal.advance_to(300)
    minimal.set_ha("DefaultCUPSubcluster", True, "soap")
    minimal.run_until_idle()
    assert [f["t"] for f in failovers(minimal)] == [300 + 120 + 90]


def test_a_stopped_non_critical_service_never_fails_over(minimal: Lab) -> None:
    minimal.control_service("imp-pub", "Cisco Intercluster Sync Agent", "stop", "ssh")
    minimal.advance_to(1000)
    assert failovers(minimal) == []


def states(lab: Lab, group: str) -> list[tuple[str, str, str | None]]:
    return next(rows for name, rows in lab.ha_status() if name == group)


def test_utils_ha_status_follows_a_failover_until_the_fallback(demo: Lab) -> None:
    assert states(demo, "Subcluster2") == [
        ("imp-sub2", "Normal", None),
        ("imp-sub3", "Normal", None),
    ]
    demo.advance_to(1000)
    demo.control_service("imp-sub2", "Cisco Presence Engine", "restart", "ssh")
    demo.advance_to(1090)
    assert states(demo, "Subcluster2") == [
        ("imp-sub2", "Failed Over with Critical Services not Running", "Critical Service Down"),
        ("imp-sub3", "Running in Backup Mode", "Critical Service Down"),
    ]
    demo.run_until_idle()  # services back: still failed over, users on the peer
    assert states(demo, "Subcluster2")[0] == ("imp-sub2", "Failed Over", None)
    assert states(demo, "DefaultCUPSubcluster")[0][1] == "Normal"
    demo.fallback("Subcluster2", "test")
    assert [s for _, s, _ in states(demo, "Subcluster2")] == ["Normal", "Normal"]


def test_ha_off_shows_unknown_but_a_failover_outlives_it(demo: Lab) -> None:
    demo.failover("imp-sub1", "test")
    demo.set_ha("DefaultCUPSubcluster", False, "axl")
    demo.advance_to(200)
    assert states(demo, "DefaultCUPSubcluster") == [
        ("imp-pub", "Running in Backup Mode", "Critical Service Down"),
        ("imp-sub1", "Failed Over", None),
    ]
    assert states(demo, "Subcluster2")[0] == ("imp-sub2", "Normal", None)
    demo.set_ha("Subcluster2", False, "axl")
    demo.advance_to(400)
    assert states(demo, "Subcluster2")[0] == (
        "imp-sub2",
        "Unknown",
        "High Availability Not Enabled",
    )


def test_replication_is_good_until_a_replication_broken_fault_and_back_when_cleared(
    demo: Lab,
) -> None:
    from uccert.lab.state import Fault, FaultKind

    assert demo.replication("cucm-pub") == [("cucm-pub", 2), ("cucm-sub1", 2)]
    assert [n for n, _ in demo.replication("imp-sub2")] == [
        "imp-pub",
        "imp-sub1",
        "imp-sub2",
        "imp-sub3",
    ]
    demo.inject_fault(Fault(FaultKind.REPLICATION_BROKEN, "cucm-sub1", None, 1))
    assert demo.replication("cucm-pub") == [("cucm-pub", 2), ("cucm-sub1", 3)]
    assert demo.replication("cucm-sub1")[1] == ("cucm-sub1", 3)  # read, never consumed
    demo.clear_faults()
    assert demo.replication("cucm-pub")[1] == ("cucm-sub1", 2)


def test_a_backup_fails_for_a_node_whose_drf_cert_changed_until_drf_restarts(demo: Lab) -> None:
    """14: DRF uses tomcat (TAC 215534); DRF Master on the CUCM publisher keeps what it loaded."""
    assert all(r == "SUCCESS" for _, r in demo.backup("test"))
    demo.regenerate("imp-sub1", "tomcat", "test")
    demo.regenerate("imp-sub2", "ipsec", "test")  # not DRF's cert on 14: no effect on backups
    failed = {n: r for n, r in demo.backup("test") if r != "SUCCESS"}
    assert list(failed) == ["imp-sub1"] and "Cisco DRF Master on cucm-pub" in failed["imp-sub1"]
    demo.control_service("cucm-pub", "Cisco DRF Master", "restart", "soap")
    demo.run_until_idle()
    failed = {n: r for n, r in demo.backup("test") if r != "SUCCESS"}
    assert list(failed) == ["imp-sub1"] and "DRF Local" in failed["imp-sub1"]
    demo.control_service("imp-sub1", "Cisco DRF Local", "restart", "soap")
    demo.run_until_idle()
    assert all(r == "SUCCESS" for _, r in demo.backup("test"))


def test_before_14_drf_follows_ipsec_and_before_10_the_imp_publisher_serves_imp() -> None:
    from datetime import UTC, datetime

    from uccert.lab.state import InMemoryKeySource, preset

    for version, host in (("12.5", "cucm-pub"), ("9.1", "imp-pub")):
        lab = Lab(preset("demo", version), InMemoryKeySource(), datetime(2026, 1, 1, tzinfo=UTC))
        assert lab.drf_master_node("imp-sub1") == host
        lab.regenerate("imp-sub1", "tomcat", "test")
        assert all(r == "SUCCESS" for _, r in lab.backup("test"))
        lab.regenerate("imp-sub1", "ipsec", "test")
        failed = [n for n, r in lab.backup("test") if r != "SUCCESS"]
        assert failed == ["imp-sub1"]
