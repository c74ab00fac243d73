"""§3: a Presence Redundancy Group whose "Enable High Availability" is off."""

from __future__ import annotations

from collections.abc import Iterator

from uccert.checks.context import CheckContext
from uccert.model import Finding, Severity


def check(ctx: CheckContext) -> Iterator[Finding]:
    for group in ctx.snapshot.groups:
        if group.ha_enabled:
            continue
        members = " and ".join(s for s in (group.server1, group.server2) if s)
        yield ctx.finding(
            "ha-disabled",
            Severity.WARNING,
            None,
            group.name,
            f"Presence Redundancy Group {group.name} ({members}) has High Availability off: "
            "users are not failed over if a node goes down (left off by an interrupted run?)",
            f'when every service on {members} is running, check "Enable High Availability" '
            "for the group in CUCM administration (System > Presence Redundancy Groups)",
        )
