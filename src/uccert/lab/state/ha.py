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
"""

from __future__ import annotations

from dataclasses import dataclass

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
