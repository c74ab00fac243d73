"""Database replication before any certificate work.

Certificate Change Notification and trust propagation ride on database replication: a change
made while a node does not replicate reaches that node late or never. TAC asks for
``utils dbreplication runtimestate`` on the publisher before certificate work. Replicate_State
values, from Cisco's "Prime Collaboration Deployment Administration Guide, Release 14 and SUs",
Best Practices, https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/pcdadmin/14/
cucm_b_pcd-admin-guide-1401/cucm_b_pcd-admin-guide-1401_chapter_01001.html, and the
Administration Guide for Cisco Unified Communications Manager, Release 15, "Troubleshooting
Address Change Issues" (anything other than 2 needs a repair or reset; for IM and Presence run
it on the database publisher), https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/admin/
15/adminGd/cucm_b_administration-guide-15/cucm_b_test-adminguide_chapter_011111.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

REPLICATION_GOOD: Final = 2

REPLICATE_STATES: Mapping[int, str] = MappingProxyType(
    {
        0: "Replication Not Started",
        1: "Replicates were created, but their count is incorrect",
        2: "Replication is good",
        3: "Replication is bad in the cluster",
        4: "Replication setup did not succeed",
    }
)

REPLICATION_FIX: Final = (
    "repair replication first (on the publisher, the IM/P database publisher for IM/P: "
    "`utils dbreplication repair all`, else `utils dbreplication reset all`, until "
    "`utils dbreplication runtimestate` shows (2) Setup Completed for every node), or give "
    "--force-replication to go on anyway"
)


def replication_meaning(state: int) -> str:
    return REPLICATE_STATES.get(state, f"unknown state {state}")
