"""``utils dbreplication runtimestate``: rows and Replicate_State from captures Cisco prints,
copied verbatim into the fixtures: Prime Collaboration Deployment Administration Guide, Release
14 (a 15.0 capture), https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/pcdadmin/14/
cucm_b_pcd-admin-guide-1401/cucm_b_pcd-admin-guide-1401_chapter_01001.html, and the 9.x
example (other columns before the state) of the Administration Guide for Cisco Unified
Communications Manager, Release 15, "Troubleshooting Address Change Issues",
https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/15/adminGd/
cucm_b_administration-guide-15/cucm_b_test-adminguide_chapter_011111.html"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uccert.protocols import CliCommandFailed
from uccert.protocols.dbreplication import ReplicationNode, parse_dbreplication_runtimestate

from .conftest import read_fixture


def test_the_15_0_layout(line_end: str) -> None:
    status = parse_dbreplication_runtimestate(
        read_fixture("dbreplication_runtimestate_doc.txt", line_end)
    )
    assert status.nodes == (
        ReplicationNode("cucm-57", 2, "Setup Completed"),
        ReplicationNode("cucm-55", 2, "Setup Completed"),
    )
    assert status.warnings == ()


def test_the_9_x_layout(line_end: str) -> None:
    status = parse_dbreplication_runtimestate(
        read_fixture("dbreplication_runtimestate_9x_doc.txt", line_end)
    )
    assert [(n.host, n.state, n.details) for n in status.nodes] == [
        ("server1", 2, "PUB Setup Completed"),
        ("server2", 2, "Setup Completed"),
    ]


def test_a_bad_node_and_an_unreadable_row() -> None:
    text = read_fixture("dbreplication_runtimestate_doc.txt").replace(
        "0        (g_2)          (2) Setup Completed", "391694   (g_2)          (3) Out Of Sync"
    )
    text += "%%garbage%%\n"
    status = parse_dbreplication_runtimestate(text)
    assert [(n.host, n.state) for n in status.nodes] == [("cucm-57", 2), ("cucm-55", 3)]
    assert len(status.warnings) == 1 and "garbage" in status.warnings[0]


def test_no_table_is_a_warning() -> None:
    status = parse_dbreplication_runtimestate("Server Time: Tue Aug  1 15:10:52 IST 2023\n")
    assert status.nodes == () and len(status.warnings) == 1


def test_the_failure_line_is_a_failed_command() -> None:
    with pytest.raises(CliCommandFailed):
        parse_dbreplication_runtimestate("Executed command unsuccessfully\n")


@given(st.text(max_size=300))
def test_any_text_parses_or_fails_soft(text: str) -> None:
    try:
        status = parse_dbreplication_runtimestate(text)
    except CliCommandFailed:
        return
    assert all(0 <= n.state <= 9 for n in status.nodes)
