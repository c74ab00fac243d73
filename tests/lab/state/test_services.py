"""Service lifecycle: restart phases, XCP Router semantics, what a service presents."""

from __future__ import annotations

import pytest

from uccert.lab.state import Fault, FaultKind, Lab, LabCommandError

from .test_certs import own


def states(lab: Lab, service: str | None = None) -> list[tuple[float, str, str, str]]:
    return [
        (e.t, e.node, str(e.data["service"]), str(e.data["state"]))
        for e in lab.events
        if e.kind == "service-state" and (service is None or e.data["service"] == service)
    ]


def test_restart_goes_stopping_stopped_starting_started_with_the_given_via(minimal: Lab) -> None:
    done = minimal.control_service("imp-sub1", "Cisco SIP Proxy", "restart", "soap")
    assert done == 45.0
    assert minimal.service_state("imp-sub1", "Cisco SIP Proxy").state == "Stopping"
    assert minimal.next_event_time() == 15.0
    minimal.run_until_idle()
    assert states(minimal) == [
        (0.0, "imp-sub1", "Cisco SIP Proxy", "Stopping"),
        (15.0, "imp-sub1", "Cisco SIP Proxy", "Stopped"),
        (15.0, "imp-sub1", "Cisco SIP Proxy", "Starting"),
        (45.0, "imp-sub1", "Cisco SIP Proxy", "Started"),
    ]
    assert {e.data["via"] for e in minimal.events} == {"soap"}
    view = minimal.service_state("imp-sub1", "Cisco SIP Proxy")
    assert (view.state, view.started_at, view.reason) == ("Started", 45.0, None)
    assert minimal.now == 45.0


def test_tomcat_restart_takes_four_minutes(minimal: Lab) -> None:
    assert minimal.control_service("cucm-pub", "Cisco Tomcat", "restart", "ssh") == 240.0


def test_advance_to_processes_only_what_is_due(minimal: Lab) -> None:
    minimal.control_service("cucm-pub", "Cisco Tomcat", "restart", "ssh")
    minimal.advance_to(100)
    assert minimal.service_state("cucm-pub", "Cisco Tomcat").state == "Starting"
    assert minimal.now == 100
    with pytest.raises(ValueError, match="forward"):
        minimal.advance_to(50)


def test_stop_then_start(minimal: Lab) -> None:
    minimal.control_service("imp-pub", "Cisco Intercluster Sync Agent", "stop", "ssh")
    minimal.run_until_idle()
    view = minimal.service_state("imp-pub", "Cisco Intercluster Sync Agent")
    assert (view.state, view.reason, view.started_at) == (
        "Stopped",
        "Commanded Out of Service",
        None,
    )
    minimal.control_service("imp-pub", "Cisco Intercluster Sync Agent", "start", "ssh")
    minimal.run_until_idle()
    assert minimal.service_state("imp-pub", "Cisco Intercluster Sync Agent").state == "Started"


def test_unknown_not_activated_busy_and_platform_services_are_refused(demo: Lab) -> None:
    with pytest.raises(LabCommandError, match="no service"):
        demo.control_service("imp-pub", "Cisco Nothing", "restart", "ssh")
    capf = demo.service_state("cucm-pub", "Cisco Certificate Authority Proxy Function")
    assert (capf.activated, capf.state, capf.reason) == (False, "Stopped", "Service Not Activated")
    with pytest.raises(LabCommandError, match="not activated"):
        demo.control_service(
            "cucm-pub", "Cisco Certificate Authority Proxy Function", "start", "ssh"
        )
    demo.control_service("imp-pub", "Cisco SIP Proxy", "restart", "ssh")
    with pytest.raises(LabCommandError, match="Stopping"):
        demo.control_service("imp-pub", "Cisco SIP Proxy", "restart", "ssh")
    assert demo.service_state("imp-pub", "System SSH").platform
    with pytest.raises(LabCommandError, match="platform"):
        demo.control_service("imp-pub", "System SSH", "restart", "ssh")


def test_federation_connection_managers_are_activated_only_with_federation(
    demo: Lab, minimal: Lab
) -> None:
    for name in (
        "Cisco XCP SIP Federation Connection Manager",
        "Cisco XCP XMPP Federation Connection Manager",
    ):
        assert demo.service_state("imp-sub3", name).activated
        assert not minimal.service_state("imp-sub1", name).activated


def test_xcp_router_restart_restarts_every_active_xcp_service(demo: Lab) -> None:
    done = demo.control_service("imp-sub1", "Cisco XCP Router", "restart", "ssh")
    demo.run_until_idle()
    xcp = {s.name for s in demo.services("imp-sub1") if s.name.startswith("Cisco XCP")}
    assert len(xcp) == 6
    for name in xcp:
        assert [s for _, _, _, s in states(demo, name)] == [
            "Stopping",
            "Stopped",
            "Starting",
            "Started",
        ]
    router_up = states(demo, "Cisco XCP Router")[-1][0]
    cm_starting = states(demo, "Cisco XCP Connection Manager")[2][0]
    assert router_up == cm_starting == 120.0
    # each cascaded service takes its own time after the router: the slowest ends the restart
    started = {name: states(demo, name)[-1][0] for name in xcp - {"Cisco XCP Router"}}
    assert len(set(started.values())) == len(started)
    assert min(started.values()) > router_up
    assert done == max(t for t, *_ in states(demo)) == max(started.values()) == 180.0


def test_xcp_router_stop_stops_them_all_and_start_brings_back_only_the_router(demo: Lab) -> None:
    demo.control_service("imp-sub1", "Cisco XCP Router", "stop", "ssh")
    demo.run_until_idle()
    assert all(
        s.state == "Stopped" for s in demo.services("imp-sub1") if s.name.startswith("Cisco XCP")
    )
    demo.control_service("imp-sub1", "Cisco XCP Router", "start", "ssh")
    demo.run_until_idle()
    started = {
        s.name
        for s in demo.services("imp-sub1")
        if s.name.startswith("Cisco XCP") and s.state == "Started"
    }
    assert started == {"Cisco XCP Router"}
    demo.control_service("imp-sub1", "Cisco XCP Router", "restart", "ssh")
    demo.run_until_idle()
    assert all(
        s.state == "Started" for s in demo.services("imp-sub1") if s.name.startswith("Cisco XCP")
    )


@pytest.mark.parametrize(
    ("unit", "service"),
    [
        ("tomcat", "Cisco Tomcat"),
        ("cup", "Cisco SIP Proxy"),
        ("cup-xmpp", "Cisco XCP Connection Manager"),
        ("cup-xmpp-s2s", "Cisco XCP XMPP Federation Connection Manager"),
    ],
)
def test_each_service_presents_its_old_cert_until_restarted(
    demo: Lab, unit: str, service: str
) -> None:
    old = own(demo, "imp-sub2", unit).cert
    assert demo.presented_cert("imp-sub2", unit) == old
    demo.regenerate("imp-sub2", unit, "ssh")
    new = own(demo, "imp-sub2", unit).cert
    assert demo.presented_cert("imp-sub2", unit) == old
    demo.control_service("imp-sub2", service, "restart", "ssh")
    assert demo.presented_cert("imp-sub2", unit) is None  # Stopping
    demo.run_until_idle()
    assert demo.presented_cert("imp-sub2", unit) == new


def test_xcp_router_restart_makes_connection_manager_present_the_new_cup_xmpp(demo: Lab) -> None:
    demo.regenerate("imp-pub", "cup-xmpp", "ssh")
    demo.control_service("imp-pub", "Cisco XCP Router", "restart", "ssh")
    demo.run_until_idle()
    assert demo.presented_cert("imp-pub", "cup-xmpp") == own(demo, "imp-pub", "cup-xmpp").cert
    assert (
        demo.presented_cert("imp-pub", "cup-xmpp-ECDSA")
        == own(demo, "imp-pub", "cup-xmpp-ECDSA").cert
    )


def test_services_reload_trust_stores_when_they_start(minimal: Lab) -> None:
    name = next(t.file for t in minimal.trust_certs("imp-pub") if t.store == "cup-trust")
    assert name in minimal.loaded_trust("imp-pub", "Cisco SIP Proxy")["cup-trust"]
    minimal.delete_trust("imp-pub", "cup-trust", name, "ssh")
    assert name in minimal.loaded_trust("imp-pub", "Cisco SIP Proxy")["cup-trust"]
    minimal.control_service("imp-pub", "Cisco SIP Proxy", "restart", "ssh")
    minimal.run_until_idle()
    assert name not in minimal.loaded_trust("imp-pub", "Cisco SIP Proxy")["cup-trust"]


def test_a_service_start_fault_leaves_the_service_stopped_not_running(minimal: Lab) -> None:
    minimal.inject_fault(Fault(FaultKind.SERVICE_START_FAILS, "imp-pub", "Cisco SIP Proxy", 1))
    minimal.control_service("imp-pub", "Cisco SIP Proxy", "restart", "ssh")
    minimal.run_until_idle()
    assert [s for *_, s in states(minimal)] == ["Stopping", "Stopped", "Starting", "Stopped"]
    view = minimal.service_state("imp-pub", "Cisco SIP Proxy")
    assert (view.state, view.reason) == ("Stopped", "Component is not running")
    assert minimal.presented_cert("imp-pub", "cup") is None
    minimal.control_service("imp-pub", "Cisco SIP Proxy", "start", "ssh")
    minimal.run_until_idle()
    assert minimal.service_state("imp-pub", "Cisco SIP Proxy").state == "Started"
    assert minimal.faults == ()


def test_a_no_op_command_is_done_at_once(minimal: Lab) -> None:
    minimal.advance_to(10)
    assert minimal.control_service("imp-pub", "Cisco SIP Proxy", "start", "ssh") == 10
    assert minimal.events == []
