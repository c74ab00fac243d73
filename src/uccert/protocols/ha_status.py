"""``utils ha status``: the High Availability state of every node of every Presence Redundancy
Group, as the Server Recovery Manager sees it.

Layout of the examples in Cisco's "Command Line Interface Reference Guide for Cisco Unified
Communications Solutions, Release 12.5(1)SU5" (utils ha status),
https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU5/
cucm_b_cli_reference-guide_release1251SU5/cucm_b_cli_reference_guide_release_1401_chapter_01001.html::

    Subcluster Name: DefaultCluster
    Node 1 Name : kal-cup1 State: Failed Over with Critical Services not Running Reason:
    Critical Service Down
    Node 2 Name : shorty-cups State: Running in Backup Mode Reason: Critical Service Down

A reason may wrap onto the next line (as in that example). States seen there: ``Normal``,
``Unknown`` (reason ``High Availability Not Enabled``), ``Failed Over with Critical Services
not Running``, ``Running in Backup Mode``, ``Failed``. Fail soft: a line that fits nothing is a
warning, never an aborted read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from uccert.protocols._lines import quote, raise_if_failed, split_lines

_GROUP_RE: Final = re.compile(r"^\s*Subcluster\s+Name\s*:\s*(?P<name>\S.*?)\s*$", re.IGNORECASE)
_NODE_RE: Final = re.compile(
    r"^\s*Node\s+\d+\s+Name\s*:\s*(?P<host>\S+)\s+State\s*:\s*(?P<state>.*?)"
    r"(?:\s+Reason\s*:\s*(?P<reason>.*?))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class HaNodeState:
    """One node of one group: ``host`` as printed (a host name), ``state`` and ``reason``."""

    group: str
    host: str
    state: str
    reason: str | None


@dataclass(frozen=True)
class HaStatus:
    nodes: tuple[HaNodeState, ...]
    warnings: tuple[str, ...] = ()


def parse_ha_status(text: str) -> HaStatus:
    """Every node line under its ``Subcluster Name``; unreadable lines become warnings."""
    lines = split_lines(text)
    raise_if_failed(lines, "utils ha status")
    nodes: list[HaNodeState] = []
    warnings: list[str] = []
    group: str | None = None
    pending_reason = False  # "Reason:" ended the last node line: the reason is on this one
    for line in lines:
        if not line.strip() or line.strip().lower().startswith(("admin:", "utils ha status")):
            continue
        if (found := _GROUP_RE.match(line)) is not None:
            group, pending_reason = found.group("name"), False
            continue
        if (found := _NODE_RE.match(line)) is not None and group is not None:
            reason = found.group("reason")
            pending_reason = reason == "" or line.rstrip().lower().endswith("reason:")
            nodes.append(
                HaNodeState(group, found.group("host"), found.group("state"), reason or None)
            )
            continue
        if pending_reason and nodes:
            last = nodes[-1]
            nodes[-1] = HaNodeState(last.group, last.host, last.state, line.strip())
            pending_reason = False
            continue
        warnings.append(f"utils ha status: line not understood: {quote(line)}")
    return HaStatus(tuple(nodes), tuple(warnings))
