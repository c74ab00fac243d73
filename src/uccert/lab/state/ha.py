"""Presence Redundancy Groups: the HA flag, its sync delay, and the Server Recovery Manager.

- ``set_ha`` changes the configured flag at once (what CUCM administration and AXL show) and
  emits ``ha-changed``; the Server Recovery Manager acts on the change only ``HA_SYNC_SECONDS``
  (120 s) later (`HaApply`).
- While HA is effective on a group, a critical service that has not been Started for
  ``CRITICAL_DOWN_SECONDS`` (90 s) continuously on one of its nodes makes that node fail over
  to its peer: one ``failover`` event, at the 90 s mark (`FailoverCheck`). The count starts
  when the service went down or when HA became effective, whichever is later.
- A node fails over once; it can fail over again only after every critical service on it is
  Started again.
- A node that failed over stays failed over (its users on the peer) until the group falls back
  (`Lab.fallback`); ``utils ha status`` reports each node's state (`node_state`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from uccert.lab.state.services import ServiceRecord
from uccert.lab.state.tables import CRITICAL_DOWN_SECONDS


@dataclass(frozen=True)
class GroupView:
    name: str
    server1: str
    server2: str
    ha_enabled: bool  # the configured flag (CUCM administration, AXL haEnabled)
    ha_effective: bool = False  # what the Server Recovery Manager acts on (after the sync delay)


@dataclass(frozen=True)
class GroupState:
    name: str
    server1: str
    server2: str
    configured: bool
    effective: bool
    effective_since: float  # when ``effective`` last changed

    def view(self) -> GroupView:
        return GroupView(self.name, self.server1, self.server2, self.configured, self.effective)

    def has(self, node: str) -> bool:
        return node in (self.server1, self.server2)

    def peer(self, node: str) -> str:
        return self.server2 if node == self.server1 else self.server1


@dataclass(frozen=True)
class HaApply:
    """The Server Recovery Manager takes the group's flag ``enabled``."""

    group: str
    enabled: bool


@dataclass(frozen=True)
class FailoverCheck:
    """At this time, ``service`` on ``node`` may have been down for the critical delay."""

    group: str
    node: str
    service: str
    down_since: float


def apply(group: GroupState, step: HaApply, t: float) -> GroupState:
    if group.effective == step.enabled:
        return group
    return GroupState(group.name, group.server1, group.server2, group.configured, step.enabled, t)


def check_time(group: GroupState, down_since: float) -> float:
    """When a service down since ``down_since`` reaches the critical delay under this group."""
    return max(down_since, group.effective_since) + CRITICAL_DOWN_SECONDS


def failover_due(
    group: GroupState, check: FailoverCheck, current_down_since: float | None, now: float
) -> bool:
    """Whether ``check`` fires: still down since then, HA effective long enough."""
    return (
        group.effective
        and current_down_since is not None
        and current_down_since == check.down_since
        and now >= check_time(group, current_down_since)
    )


# `utils ha status` states and reasons, as printed in Cisco's "Command Line Interface Reference
# Guide for Cisco Unified Communications Solutions, Release 12.5(1)SU5" (utils ha status
# examples), https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cucm/cli_ref/12_5_1SU5/
# cucm_b_cli_reference-guide_release1251SU5/
# cucm_b_cli_reference_guide_release_1401_chapter_01001.html
NORMAL = "Normal"
UNKNOWN = "Unknown"
HA_NOT_ENABLED = "High Availability Not Enabled"
FAILED_OVER_DOWN = "Failed Over with Critical Services not Running"
BACKUP_MODE = "Running in Backup Mode"
CRITICAL_SERVICE_DOWN = "Critical Service Down"
# [guess] once its critical services run again, a failed-over node waits for the fallback in
# "Failed Over" (a state the IM/P configuration guide names; no CLI capture of it was found).
FAILED_OVER = "Failed Over"


def node_state(
    group: GroupState, node: str, failed_over: frozenset[str], critical_down: bool
) -> tuple[str, str | None]:
    """(state, reason) of ``node`` in ``group`` as ``utils ha status`` prints it. A failover
    outlives the HA flag: the users stay on the peer until the group falls back."""
    if node in failed_over:
        return (FAILED_OVER_DOWN, CRITICAL_SERVICE_DOWN) if critical_down else (FAILED_OVER, None)
    if group.peer(node) in failed_over:
        return BACKUP_MODE, CRITICAL_SERVICE_DOWN
    if not group.effective:
        return UNKNOWN, HA_NOT_ENABLED
    return NORMAL, None


def group_status(
    group: GroupState,
    failed_over: frozenset[str],
    services: Mapping[str, Mapping[str, ServiceRecord]],
) -> list[tuple[str, str, str | None]]:
    """(node, state, reason) of both nodes of ``group``."""
    rows: list[tuple[str, str, str | None]] = []
    for node in (group.server1, group.server2):
        down = any(
            r.sdef.critical and r.activated and r.state != "Started"
            for r in services[node].values()
        )
        rows.append((node, *node_state(group, node, failed_over, down)))
    return rows
