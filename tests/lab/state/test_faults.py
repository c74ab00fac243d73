"""Injected faults: matched by kind, node and target (command faults by prefix), counted."""

from __future__ import annotations

from uccert.lab.state import Fault, FaultKind, Lab


def test_command_faults_match_by_prefix_and_are_consumed(minimal: Lab) -> None:
    minimal.inject_fault(Fault(FaultKind.COMMAND_FAILS, "imp-pub", "set cert regen", 2))
    assert minimal.take_fault("command-fails", "imp-sub1", "set cert regen tomcat") is None
    assert minimal.take_fault(FaultKind.COMMAND_FAILS, "imp-pub", "show cert list own") is None
    first = minimal.take_fault("command-fails", "imp-pub", "set  cert regen tomcat")
    assert first is not None and first.count == 2
    assert minimal.take_fault("command-fails", "imp-pub", "set cert regen cup") is not None
    assert minimal.take_fault("command-fails", "imp-pub", "set cert regen cup") is None


def test_node_less_faults_match_every_node_and_clear_faults_empties(minimal: Lab) -> None:
    minimal.inject_fault(Fault(FaultKind.SLOW_LOGIN, None, None, 5, seconds=12.0))
    fault = minimal.take_fault("slow-login", "cucm-pub")
    assert fault is not None and fault.seconds == 12.0
    assert minimal.faults[0].count == 4
    minimal.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-sub1", None, 1))
    minimal.clear_faults()
    assert minimal.take_fault("node-unreachable", "imp-sub1") is None


def test_service_start_fault_counts_down_over_restarts(minimal: Lab) -> None:
    fault = Fault(FaultKind.SERVICE_START_FAILS, None, "Cisco Presence Engine", 2)
    minimal.inject_fault(fault)
    for _ in range(2):
        minimal.control_service("imp-sub1", "Cisco Presence Engine", "restart", "ssh")
        minimal.run_until_idle()
        view = minimal.service_state("imp-sub1", "Cisco Presence Engine")
        assert view.state == "Stopped" and view.reason == "Component is not running"
    minimal.control_service("imp-sub1", "Cisco Presence Engine", "start", "ssh")
    minimal.run_until_idle()
    assert minimal.service_state("imp-sub1", "Cisco Presence Engine").state == "Started"
