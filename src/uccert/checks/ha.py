"""§3: a Presence Redundancy Group whose "Enable High Availability" is off (ha-disabled), or
whose nodes are not Normal in `utils ha status` (ha-not-normal: failed over, backup mode...)."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator

from uccert import catalog
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
    for state in ctx.snapshot.ha_states:
        if catalog.ha_state_settled(state.state, state.reason):
            continue
        why = f" ({state.reason})" if state.reason else ""
        yield ctx.finding(
            "ha-not-normal",
            Severity.ERROR,
            None,
            state.group,
            f"Presence Redundancy Group {state.group}: {state.host} is {state.state}{why} "
            "(utils ha status): its users are not on their home node",
            catalog.HA_FALLBACK_FIX.replace(", then run again", ""),
        )
