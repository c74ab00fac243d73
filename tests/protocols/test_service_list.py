"""``utils service list`` and the streamed ``utils service restart <name>``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uccert.protocols import (
    CliCommandFailed,
    CliParseError,
    ServiceEntry,
    ServiceRunState,
    parse_service_control,
    parse_service_list,
)

from .conftest import read_fixture

STARTED, STOPPED = ServiceRunState.STARTED, ServiceRunState.STOPPED
STARTING, STOPPING = ServiceRunState.STARTING, ServiceRunState.STOPPING


def test_service_list_separates_platform_from_services(line_end: str) -> None:
    listing = parse_service_list(read_fixture("service_list.txt", line_end))
    assert [entry.name for entry in listing.platform] == ["System SSH", "Cluster Manager"]
    assert listing.return_code == 0
    assert listing.primary_node is True
    assert listing.get("Cisco Tomcat") == ServiceEntry("Cisco Tomcat", STARTED, None, True)
    assert listing.get("Cisco DRF Master") == ServiceEntry(
        "Cisco DRF Master", STOPPED, "Commanded Out of Service", True
    )
    assert listing.get("Cisco Bulk Provisioning Service") == ServiceEntry(
        "Cisco Bulk Provisioning Service", STOPPED, "Service Not Activated", False
    )
    crashed = listing.get("Cisco CallManager")
    assert crashed == ServiceEntry("Cisco CallManager", STOPPED, "Component is not running", True)
    assert listing.get("Cisco Nonexistent") is None
    assert len(listing.services) == 7


def test_truncated_service_list_is_refused_not_read_as_missing_services() -> None:
    text = read_fixture("service_list.txt")
    cut = text[: text.index("Cisco Bulk Provisioning")]
    with pytest.raises(CliParseError, match="'Command successful' at the end"):
        parse_service_list(cut)


def test_real_115_list_ends_at_primary_node_and_names_unknown_services(line_end: str) -> None:
    listing = parse_service_list(read_fixture("service_list_115_no_trailer.txt", line_end))
    assert listing.primary_node is True
    assert listing.get("Cisco DRF Master") == ServiceEntry("Cisco DRF Master", STARTED, None, True)
    assert listing.get("Cisco CAR Scheduler") == ServiceEntry(
        "Cisco CAR Scheduler", STOPPED, "Component is not running", True
    )
    odd = listing.get("Cisco Vendor Thing Nobody Documented")
    assert odd is not None and odd.reason == "Commanded Out of Service"
    assert len(listing.services) == 9


def test_15_list_names_the_renamed_services(line_end: str) -> None:
    listing = parse_service_list(read_fixture("service_list_15.txt", line_end))
    assert listing.get("Cisco DRF Primary") is not None
    assert listing.get("SNMP Primary Agent") is not None
    assert listing.get("Cisco DRF Master") is None


@pytest.mark.parametrize(
    "line",
    [
        "Cisco Tomcat[RUNNING]",
        "Service Manager is not running",
        "Cisco Tomcat STARTED",
        "[STARTED]",
    ],
)
def test_undocumented_service_list_line_is_refused(line: str) -> None:
    text = read_fixture("service_list.txt").replace("Cisco Tomcat[STARTED]", line)
    with pytest.raises(CliParseError) as caught:
        parse_service_list(text)
    assert repr(line) in str(caught.value)


def test_service_list_failure_line_is_a_command_failure() -> None:
    with pytest.raises(CliCommandFailed):
        parse_service_list(read_fixture("command_failed.txt"))


def test_restart_reports_every_state_and_ends_started(line_end: str) -> None:
    result = parse_service_control(
        read_fixture("service_restart_tomcat.txt", line_end), "Cisco Tomcat"
    )
    assert result.states == (
        ServiceRunState.STOPPING,
        ServiceRunState.STARTING,
        ServiceRunState.STARTING,
        ServiceRunState.STARTED,
    )
    assert result.ended_started


def test_restart_that_stops_short_of_started_says_so() -> None:
    text = read_fixture("service_restart_tomcat.txt").replace("Cisco Tomcat[STARTED]\n", "")
    result = parse_service_control(text, "Cisco Tomcat")
    assert result.final_state is ServiceRunState.STARTING
    assert not result.ended_started


def test_stop_ends_stopped_with_reason() -> None:
    text = (
        "Service Manager is running\n"
        "Cisco DRF Master[STOPPING]\n"
        "Cisco DRF Master[STOPPED]  Commanded Out of Service\n"
    )
    result = parse_service_control(text, "Cisco DRF Master")
    assert result.final_state is STOPPED


def test_restart_lines_of_another_service_or_none_are_refused() -> None:
    with pytest.raises(CliParseError, match="a state line of 'Cisco Tomcat'"):
        parse_service_control("Cisco XCP Router[STARTED]\n", "Cisco Tomcat")
    with pytest.raises(CliParseError, match="at least one"):
        parse_service_control("Cisco Tomcat is being [RESTARTED] now\n", "Cisco Tomcat")
    with pytest.raises(CliParseError, match="at least one"):
        parse_service_control("Service Manager is running\n", "Cisco Tomcat")
    with pytest.raises(CliCommandFailed):
        parse_service_control(read_fixture("command_failed.txt"), "Cisco Bogus")


def test_12x_restart_notice_and_trailing_spaces_judged_by_state_lines(line_end: str) -> None:
    text = read_fixture("service_restart_tomcat_12x.txt", line_end)
    result = parse_service_control(text, "Cisco Tomcat")
    assert result.states == (STOPPING, STOPPING, STARTING, STARTING, STARTED)
    assert result.ended_started


# ---------------------------------------------------------------- properties

_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9 ._\-]{0,30}[A-Za-z0-9]", fullmatch=True).filter(
    lambda n: (
        n.casefold()
        not in {"service manager is running", "getting list of all services", "command successful"}
    )
)
_REASON = st.sampled_from(
    [None, "Commanded Out of Service", "Service Not Activated", "Component is not running"]
)


@st.composite
def _service(draw: st.DrawFn) -> tuple[str, ServiceEntry]:
    name, state, reason = draw(_NAME), draw(st.sampled_from(list(ServiceRunState))), draw(_REASON)
    bracket = draw(st.sampled_from(["[{}]", "[ {} ]"])).format(state.value)
    line = name + bracket + (f"  {reason}" if reason else "")
    return line, ServiceEntry(name, state, reason, reason != "Service Not Activated")


@settings(max_examples=80, deadline=None)
@given(st.lists(_service(), max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_rendered_services_parse_back_exactly(
    services: list[tuple[str, ServiceEntry]], line_end: str
) -> None:
    lines = [
        "Requesting service status, please wait...",
        "System SSH [STARTED]",
        "Service Manager is running",
        "Getting list of all services",
        ">> Return code = 0",
        *(line for line, _ in services),
        "Primary Node =false",
        "Command successful",
    ]
    listing = parse_service_list(line_end.join(lines))
    assert listing.services == tuple(entry for _, entry in services)
    assert listing.primary_node is False
