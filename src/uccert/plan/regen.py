"""`plan_regen`: a fresh Snapshot and a RegenRequest in, the steps of `uccert regen apply` out.

Merged plan (the default), docs/design/procedure.md §2-§4 with restarts merged:

    preflight
    ha-off:<group>...  ha-wait              groups with HA on and a node that restarts (§3)
    regenerate:<node>:<unit>...             unit by unit, publisher first, then subscribers
    import-trust:<node>:ipsec-trust...      §4 repairs on nodes in scope, if any are needed
    restart:<node>:<service>...             after every regeneration, each service once per
                                            node, service by service, publisher first
    verify:<node>...  verify:cluster        §7
    ha-restore:<group>...                   exactly the flags that were on

Literal plan (`--literal`, the note's order, for comparison): per unit, regenerate it on every
node, then HA off, wait, that unit's restarts, verify it, restore HA; then the §4 repairs the
same way; then verify:cluster. Ids carry the unit (`restart:<node>:<service>:<unit>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from uccert import catalog
from uccert.catalog import REAL_CLUSTER_TIMING
from uccert.checks import IPSEC_UNIT, CheckContext
from uccert.model import (
    Plan,
    PlanTiming,
    PreflightStep,
    RedundancyGroup,
    RegenerateStep,
    RestartStep,
    Snapshot,
    Step,
    VerifyClusterStep,
    VerifyNodeStep,
    Via,
)
from uccert.plan.ha import (
    groups_to_turn_off,
    ha_off_steps,
    ha_restore_steps,
    refuse_unsettled_ha,
)
from uccert.plan.merge import Change, activated, restart_steps, step_id
from uccert.plan.repair import TrustRepair, ipsec_repairs
from uccert.plan.replication import replication_warnings
from uccert.plan.request import RegenRequest
from uccert.plan.scope import NodeFacts, cucm_publisher, drf_master_node, in_order, nodes_in_scope
from uccert.plan.select import Candidate, select
from uccert.plan.warnings import plan_warnings


def _regenerate(c: Candidate) -> RegenerateStep:
    if c.forced:
        why = (
            f"{c.unit} is CA-signed (issuer {c.cert.issuer_cn}); --force-self-signed: "
            "replace it with a self-signed cert"
        )
    else:
        why = f"{c.unit} is self-signed: {catalog.RENEW_ACTION[catalog.CertKind.SELF_SIGNED]}"
    return RegenerateStep(
        id=step_id("regenerate", c.node.name, c.unit),
        node=c.node.name,
        unit=c.unit,
        via=Via.SSH,
        replaces_serial=c.cert.serial,
        reason=f"{why}; done when the serial is no longer {c.cert.serial}",
    )


def _changes(
    snapshot: Snapshot, c: Candidate, features: frozenset[catalog.Feature]
) -> tuple[Change | None, Change]:
    """(the restarts on the node whose DRF Master serves ``c.node``, if the catalog asks for
    any; the restarts on ``c.node`` itself). The first names the changed node in its subject
    (``node/unit``): the executor restarts it after that node's cert changed."""
    n = c.node
    restarts = catalog.restarts_for(c.unit, n.product, n.role, n.version, features)
    here = tuple(r for r in restarts if r.placement is catalog.Placement.THIS_NODE)
    there = tuple(r for r in restarts if r.placement is catalog.Placement.DRF_MASTER_HOST)
    local = Change(n, c.unit, activated(n, here))
    if not there:
        return None, local
    host = drf_master_node(snapshot, n)
    reason = (
        f"the DRF cert ({c.unit} on {n.version}) of {n.name} changed; the DRF Master here "
        "serves it: restarted first, then DRF Local node by node"
    )
    return Change(host, f"{n.name}/{c.unit}", activated(host, there), reason), local


def _subject_unit(change: Change) -> str:
    return change.subject.rpartition("/")[2]


def preflight_step(nodes: Sequence[NodeFacts], publisher: str) -> PreflightStep:
    return PreflightStep(
        id="preflight",
        reason=f"before any change: every node the plan touches answers (scope: "
        f"{', '.join(n.name for n in nodes)}), and the CUCM publisher {publisher}'s AXL "
        "answers when HA is to be changed",
    )


def _verify_node(node: str, units: Sequence[str], suffix: str | None = None) -> VerifyNodeStep:
    return VerifyNodeStep(
        id=step_id("verify", node, suffix),
        node=node,
        units=tuple(units),
        reason="new serial and five-year validity; every dependent service restarted after "
        "the change and presenting the new cert on the wire",
    )


VERIFY_AFTER_REGEN: Final = VerifyClusterStep(
    id="verify:cluster",
    reason="a fresh read of the cluster: ipsec-trust consistent, no restart pending, "
    "no service down, no failover",
)


def _verify_nodes(
    chosen: Sequence[Candidate], nodes: Sequence[NodeFacts]
) -> tuple[VerifyNodeStep, ...]:
    units: dict[str, list[str]] = {}
    for c in chosen:
        units.setdefault(c.node.name, []).append(c.unit)
    return tuple(_verify_node(n.name, units[n.name]) for n in nodes if n.name in units)


def _restarted(steps: Sequence[RestartStep], nodes: Sequence[NodeFacts]) -> tuple[NodeFacts, ...]:
    names = {s.node for s in steps}
    return tuple(n for n in nodes if n.name in names)


def _round(
    snapshot: Snapshot,
    nodes: Sequence[NodeFacts],
    changes: Sequence[Change],
    timing: PlanTiming,
    suffix: str | None,
) -> tuple[tuple[Step, ...], tuple[RestartStep, ...], tuple[RedundancyGroup, ...]]:
    """Restarts for `changes` and the HA steps around them: (ha-off + ha-wait, restarts,
    groups turned off)."""
    everyone = in_order(snapshot, (*nodes, *(c.node for c in changes)))
    restarts = restart_steps(changes, everyone, suffix)
    groups = groups_to_turn_off(snapshot, _restarted(restarts, everyone))
    return ha_off_steps(groups, timing, suffix), restarts, groups


def _merged(
    snapshot: Snapshot,
    nodes: Sequence[NodeFacts],
    chosen: Sequence[Candidate],
    changes: Sequence[Change],
    repairs: Sequence[TrustRepair],
    timing: PlanTiming,
) -> tuple[list[Step], tuple[RestartStep, ...], tuple[RedundancyGroup, ...]]:
    all_changes = (*changes, *(r.change for r in repairs))
    off, restarts, groups = _round(snapshot, nodes, all_changes, timing, None)
    steps = [
        *off,
        *(_regenerate(c) for c in chosen),
        *(r.step() for r in repairs),
        *restarts,
        *_verify_nodes(chosen, nodes),
        VERIFY_AFTER_REGEN,
        *ha_restore_steps(groups),
    ]
    return steps, restarts, groups


def _literal(
    snapshot: Snapshot,
    nodes: Sequence[NodeFacts],
    chosen: Sequence[Candidate],
    changes: Sequence[Change],
    repairs: Sequence[TrustRepair],
    timing: PlanTiming,
) -> tuple[list[Step], tuple[RestartStep, ...], tuple[RedundancyGroup, ...]]:
    steps: list[Step] = []
    restarts: list[RestartStep] = []
    groups: dict[str, RedundancyGroup] = {}
    units = tuple(dict.fromkeys(c.unit for c in chosen))
    for unit in units:
        mine = [c for c in chosen if c.unit == unit]
        off, done, turned = _round(
            snapshot, nodes, [ch for ch in changes if _subject_unit(ch) == unit], timing, unit
        )
        steps += [
            *(_regenerate(c) for c in mine),
            *off,
            *done,
            *(_verify_node(c.node.name, (unit,), unit) for c in mine),
            *ha_restore_steps(turned, unit),
        ]
        restarts += done
        groups.update((g.name, g) for g in turned)
    for store in dict.fromkeys(r.store for r in repairs):
        fixes = [r for r in repairs if r.store == store]
        off, done, turned = _round(snapshot, nodes, [r.change for r in fixes], timing, store)
        steps += [*(r.step() for r in fixes), *off, *done, *ha_restore_steps(turned, store)]
        restarts += done
        groups.update((g.name, g) for g in turned)
    steps.append(VERIFY_AFTER_REGEN)
    return steps, tuple(restarts), tuple(groups.values())


def plan_regen(
    snapshot: Snapshot, request: RegenRequest, timing: PlanTiming = REAL_CLUSTER_TIMING
) -> Plan:
    """The plan for `request` on `snapshot`. Raises PlanError (exit 2) before planning
    anything when a node in scope or the CUCM publisher could not be read, a named node does
    not exist, a version is unknown, a redundancy group is not Normal (§3), or no asked-for
    unit exists on the nodes in scope."""
    publisher = cucm_publisher(snapshot)
    nodes = nodes_in_scope(snapshot, request.nodes)
    refuse_unsettled_ha(snapshot)
    replication = replication_warnings(snapshot, request.force_replication)
    features = CheckContext(snapshot, snapshot.taken_at, 0).catalog_features()
    selection = select(nodes, request.units, request.force_self_signed)
    chosen = selection.chosen
    pub_regenerated = any(c.node.snap is publisher and c.unit == IPSEC_UNIT for c in chosen)
    repairs, outside = ipsec_repairs(snapshot, nodes, publisher, features, pub_regenerated)
    pairs = [_changes(snapshot, c, features) for c in chosen]
    # DRF Master restarts first (§1): their changes come first so the sweep orders them first.
    changes = (
        *(host for host, _ in pairs if host is not None),
        *(local for _, local in pairs),
    )
    steps: list[Step] = [preflight_step(nodes, publisher.node.name)]
    restarts: tuple[RestartStep, ...] = ()
    groups: tuple[RedundancyGroup, ...] = ()
    if chosen or repairs:
        build = _literal if request.literal else _merged
        more, restarts, groups = build(snapshot, nodes, chosen, changes, repairs, timing)
        steps += more
    warnings = (
        *replication,
        *plan_warnings(selection, nodes, repairs, outside, restarts, groups, features),
    )
    return Plan(
        cluster=snapshot.cluster,
        command=request.command,
        steps=tuple(steps),
        warnings=warnings,
        timing=timing,
        literal=request.literal,
    )
