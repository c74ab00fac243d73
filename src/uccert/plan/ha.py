"""§3 around restarts: record each Presence Redundancy Group's HA flag, turn it off where it is
on, wait for the change to sync, restart, then restore exactly the flags that were on.

Only groups with a node that gets a restart the catalog says needs HA off (`needs_ha_off`:
any restart on IM/P) are touched; a group whose HA is already off gets no step, so the restore
never turns on what the admin had left off.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Sequence

from uccert import catalog
from uccert.model import (
    HaOffStep,
    HaRestoreStep,
    HaWaitStep,
    PlanTiming,
    RedundancyGroup,
    Snapshot,
    Step,
    Via,
)
from uccert.plan.merge import needs_ha_off, step_id
from uccert.plan.request import PlanError
from uccert.plan.scope import NodeFacts


def _members(group: RedundancyGroup) -> str:
    return " and ".join(s for s in (group.server1, group.server2) if s)


def groups_to_turn_off(
    snapshot: Snapshot, restarted: Sequence[NodeFacts]
) -> tuple[RedundancyGroup, ...]:
    """Groups with HA on and a member that gets a restart needing HA off, snapshot order."""
    needing = [n for n in restarted if needs_ha_off(n)]
    return tuple(g for g in snapshot.groups if g.ha_enabled and any(n.in_group(g) for n in needing))


def ha_off_steps(
    groups: Sequence[RedundancyGroup], timing: PlanTiming, suffix: str | None = None
) -> tuple[Step, ...]:
    """ha-off per group, then one ha-wait (none when no group is turned off)."""
    if not groups:
        return ()
    offs = tuple(
        HaOffStep(
            id=step_id("ha-off", g.name, suffix),
            group=g.name,
            via=Via.AXL,
            reason=f"HA is on for {_members(g)}: a critical service restarting there would "
            "fail the node over; recorded on, turned off until the restarts are done",
        )
        for g in groups
    )
    wait = HaWaitStep(
        id=step_id("ha-wait", suffix),
        reason=f"let the HA change sync across the cluster ({timing.ha_sync_wait:g} s; "
        "Cisco says at least two minutes) before any restart",
    )
    return (*offs, wait)


def ha_restore_steps(
    groups: Sequence[RedundancyGroup], suffix: str | None = None
) -> tuple[HaRestoreStep, ...]:
    return tuple(
        HaRestoreStep(
            id=step_id("ha-restore", g.name, suffix),
            group=g.name,
            via=Via.AXL,
            reason=f"restore the recorded flag (on) once every service on {_members(g)} runs again",
        )
        for g in groups
    )


def refuse_unsettled_ha(snapshot: Snapshot) -> None:
    """§3 assumes Normal groups: PlanError (exit 2, nothing changed) when ``utils ha status``
    shows a node failed over, in backup mode, failing over or falling back."""
    unsettled = [n for n in snapshot.ha_states if not catalog.ha_state_settled(n.state, n.reason)]
    if not unsettled:
        return
    shown = "; ".join(
        f"{n.group}: {n.host} is {n.state}" + (f" ({n.reason})" if n.reason else "")
        for n in unsettled
    )
    raise PlanError(
        f"High Availability is not Normal ({shown}): restarting services now would move users "
        f"again; {catalog.HA_FALLBACK_FIX}"
    )
