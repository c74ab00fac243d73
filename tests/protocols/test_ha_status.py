"""``utils ha status``: parsed from the examples printed in Cisco's CLI Reference Guide,
Release 12.5(1)SU5 (https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU5/
cucm_b_cli_reference-guide_release1251SU5/cucm_b_cli_reference_guide_release_1401_chapter_01001.html),
copied verbatim into the fixtures (with the guide's own line wrap in the failover example)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uccert.catalog import ha_state_settled
from uccert.protocols import CliCommandFailed
from uccert.protocols.ha_status import HaNodeState, parse_ha_status

from .conftest import read_fixture

G = "DefaultCluster"


def test_a_failover_with_its_wrapped_reason(line_end: str) -> None:
    status = parse_ha_status(read_fixture("ha_status_doc.txt", line_end))
    assert status.nodes == (
        HaNodeState(
            G, "kal-cup1", "Failed Over with Critical Services not Running", "Critical Service Down"
        ),
        HaNodeState(G, "shorty-cups", "Running in Backup Mode", "Critical Service Down"),
    )
    assert status.warnings == ()
    assert not any(ha_state_settled(n.state, n.reason) for n in status.nodes)


@pytest.mark.parametrize("fixture", ["ha_status_doc_normal.txt", "ha_status_doc_not_enabled.txt"])
def test_normal_and_ha_not_enabled_are_settled(fixture: str, line_end: str) -> None:
    status = parse_ha_status(read_fixture(fixture, line_end))
    assert [n.host for n in status.nodes] == ["kal-cup1", "shorty-cups"]
    assert all(ha_state_settled(n.state, n.reason) for n in status.nodes)


def test_an_unknown_state_without_the_ha_reason_is_not_settled() -> None:
    assert not ha_state_settled("Unknown", None)
    assert not ha_state_settled("Falling Back", None)
    assert not ha_state_settled("Failed", "Critical Service Down")


def test_an_unreadable_line_is_a_warning_not_an_aborted_read() -> None:
    text = "Subcluster Name: prg-a\nNode 1 Name : imp-pub State: Normal\n%%garbage%%\n"
    status = parse_ha_status(text)
    assert [n.host for n in status.nodes] == ["imp-pub"]
    assert len(status.warnings) == 1 and "garbage" in status.warnings[0]


def test_the_failure_line_is_a_failed_command() -> None:
    with pytest.raises(CliCommandFailed):
        parse_ha_status("Executed command unsuccessfully\n")


@given(st.text(max_size=300))
def test_any_text_parses_or_fails_soft(text: str) -> None:
    try:
        status = parse_ha_status(text)
    except CliCommandFailed:
        return
    assert all(n.group and n.host for n in status.nodes)
