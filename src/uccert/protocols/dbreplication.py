"""``utils dbreplication runtimestate``: each node's database replication state.

Certificate Change Notification and trust propagation ride on database replication, so a
certificate change starts only where every node's Replicate_State is 2 ("Replication is good").
Layout (10.x-15) from Cisco's "Prime Collaboration Deployment Administration Guide, Release 14
and SUs", Best Practices (a 15.0 capture and the state values),
https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/pcdadmin/14/
cucm_b_pcd-admin-guide-1401/cucm_b_pcd-admin-guide-1401_chapter_01001.html: after "Cluster
Detailed View from <host> (N Servers):", a header whose second line starts ``SERVER-NAME`` and a
rule of dashes, one row per node, e.g. (columns shortened)::

    cucm-57      10.77.32.57   0.163   Y/Y/Y   0   (g_3)   (2) Setup Completed

The state is the number in parentheses of the last column (9.x prints other columns before it,
e.g. ``(2) PUB Setup Completed``). Fail soft: a row that fits nothing is a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from uccert.protocols._lines import quote, raise_if_failed, split_lines

_HEADER_RE: Final = re.compile(r"^\s*SERVER-NAME\s", re.IGNORECASE)
_RULE_RE: Final = re.compile(r"^\s*-{3,}(\s+-{3,})*\s*$")
_ROW_RE: Final = re.compile(r"^\s*(?P<host>\S+)\s+\S.*?\((?P<state>\d)\)\s*(?P<details>\S.*?)?\s*$")


@dataclass(frozen=True)
class ReplicationNode:
    """One row: the node's host name, its Replicate_State (0-4) and the details text."""

    host: str
    state: int
    details: str


@dataclass(frozen=True)
class ReplicationStatus:
    nodes: tuple[ReplicationNode, ...]
    warnings: tuple[str, ...] = ()


def parse_dbreplication_runtimestate(text: str) -> ReplicationStatus:
    """The rows of the cluster detailed view; unreadable rows become warnings."""
    lines = split_lines(text)
    raise_if_failed(lines, "utils dbreplication runtimestate")
    nodes: list[ReplicationNode] = []
    warnings: list[str] = []
    in_table = False
    for line in lines:
        if _HEADER_RE.match(line):
            in_table = True
            continue
        if not in_table or _RULE_RE.match(line):
            continue
        if not line.strip() or line.strip().lower().startswith("admin:"):
            if nodes:
                in_table = False
            continue
        found = _ROW_RE.match(line)
        if found is None:
            warnings.append(f"utils dbreplication runtimestate: row not understood: {quote(line)}")
            continue
        details = found.group("details") or ""
        nodes.append(ReplicationNode(found.group("host"), int(found.group("state")), details))
    if not nodes and not warnings:
        warnings.append("utils dbreplication runtimestate: no 'SERVER-NAME' table in the output")
    return ReplicationStatus(tuple(nodes), tuple(warnings))
