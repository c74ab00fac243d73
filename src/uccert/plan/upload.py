"""`plan_after_upload`: the steps that make an uploaded CA-signed cert take effect.

An upload only stores certificates; the services present them after they restart (§2.4, §7),
and Cisco Intercluster Sync Agent must restart on the IM/P publisher once CA certs reach it
(§6). The restarts come from :func:`uccert.ca.after_upload.restarts_after_upload` (the
catalog's tables); this module wraps them the way a regeneration's are wrapped:

    preflight
    ha-off:<group>...  ha-wait              groups with HA on and a node that restarts (§3)
    restart:<node>:<service>...             service by service, publisher first
    verify:<node>...                        stores the uploaded serial, presents it on the wire
    verify:cluster                          no service down, no restart pending
    ha-restore:<group>...

No cert date tells when an upload happened (a CA-signed cert's notBefore is when the CA signed
it), so each restart step records the service's start time before the upload (node clock,
``start_time_before``): the restart is done when the service started later than that. An
unknown start time means: restart.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping

from uccert.ca import INTERCLUSTER_SYNC_AGENT, UploadChange, restarts_after_upload
from uccert.model import (
    Plan,
    PlanTiming,
    Snapshot,
    UploadRestartStep,
    VerifyClusterStep,
    VerifyNodeStep,
)
from uccert.plan.ha import groups_to_turn_off, ha_off_steps, ha_restore_steps
from uccert.plan.merge import Change, activated, restart_steps, step_id
from uccert.plan.regen import preflight_step
from uccert.plan.scope import cucm_publisher, nodes_in_scope

# What a run after an upload can leave behind (the upload itself was checked before it).
UPLOAD_FINDINGS = ("restart-pending", "service-not-running")
CA_CERTS = "CA certs"  # the subject of the §6 Intercluster Sync Agent restart

# Start times read before the upload: (node, service) -> ISO 8601 UTC, None when unknown.
StartTimes = Mapping[tuple[str, str], str | None]


def services_to_restart(change: UploadChange, snapshot: Snapshot) -> tuple[tuple[str, str], ...]:
    """(node, service) for every restart the upload needs: read their start times before it."""
    return tuple(
        (n.node, r.service) for n in restarts_after_upload(change, snapshot) for r in n.restarts
    )


def plan_after_upload(
    snapshot: Snapshot,
    change: UploadChange,
    leaf_serial: str,
    started: StartTimes,
    timing: PlanTiming,
    command: str,
) -> Plan:
    """The plan for the restarts, verification and HA handling after ``change``."""
    publisher = cucm_publisher(snapshot)
    needed = restarts_after_upload(change, snapshot)
    stored = tuple(dict.fromkeys(node for node, _ in change.changed))
    names = tuple(dict.fromkeys((*stored, *(n.node for n in needed))))
    if not names:
        return Plan(snapshot.cluster, command, (), (), timing)
    nodes = nodes_in_scope(snapshot, names)
    facts = {n.name: n for n in nodes}
    changes: list[Change] = []
    for n in needed:
        node = facts[n.node]
        isa = tuple(r for r in n.restarts if r.service == INTERCLUSTER_SYNC_AGENT)
        rest = tuple(r for r in n.restarts if r.service != INTERCLUSTER_SYNC_AGENT)
        if rest:
            changes.append(Change(node, change.unit, activated(node, rest)))
        if isa:
            changes.append(Change(node, CA_CERTS, activated(node, isa)))
    restarts = tuple(
        UploadRestartStep(
            id=s.id,
            reason=s.reason,
            node=s.node,
            service=s.service,
            via=s.via,
            serves=s.serves,
            start_time_before=started.get((s.node, s.service)) or None,
        )
        for s in restart_steps(changes, nodes)
    )
    groups = groups_to_turn_off(snapshot, [facts[s.node] for s in restarts if s.node in facts])
    verifies = tuple(
        VerifyNodeStep(
            id=step_id("verify", node),
            node=node,
            units=(change.unit,),
            uploaded_serial=leaf_serial,
            reason=f"{node} stores the uploaded {change.unit} (serial {leaf_serial}) and, where "
            "a running service presents it, shows it on the wire",
        )
        for node in stored
    )
    cluster_check = VerifyClusterStep(
        id="verify:cluster",
        codes=UPLOAD_FINDINGS,
        reason="a fresh read of the cluster: no service down and no restart pending",
    )
    steps = (
        preflight_step(nodes, publisher.node.name),
        *ha_off_steps(groups, timing),
        *restarts,
        *verifies,
        cluster_check,
        *ha_restore_steps(groups),
    )
    return Plan(snapshot.cluster, command, steps, (), timing)
