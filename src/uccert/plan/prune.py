"""`plan_prune`: a fresh Snapshot and a PruneRequest in, the steps of `uccert trust prune` out.
Pure: no I/O, no clock (``now`` is passed in, the snapshot's time by default).

docs/design/procedure.md §5 with the version rules, as one durable run:

    preflight
    ha-off:<group>...  ha-wait            groups with HA on and an IM/P node that stops or
                                          restarts (§3)
    stop:<node>:<service>...              §5.1 pre-stops where the version needs them: IM/P
                                          publisher, IM/P nodes, then CUCM publisher, CUCM nodes
    delete-trust:<node>:<store>:<serial>  §5.3 once per cert where the version propagates a
                                          delete (11.0+), on every node holding it before
    restart:<node>:<service>...           §5.4 what each store that lost a cert needs, each
                                          service once per node, publisher first
    start:<node>:<service>...             §5.5 the pre-stops in reverse (safety steps: they run
                                          even when the run fails)
    verify:<node>:<store>...              the deleted certs stay gone (no Change Notification
                                          re-add)
    verify:cluster                        a fresh read: no service down, no restart pending
    ha-restore:<group>...                 exactly the flags that were on

Pre-stops follow §5.1 literally: every node of a product, whenever a store that product has
loses a cert on any node (CUCM's Change Notification and IM/P's Sync Agent copy certs across the
cluster, so a delete on one product's nodes concerns the other's). A service the snapshot shows
stopped or deactivated is neither stopped nor started (nothing starts what was not running).

What the version makes unnecessary (a pre-stop, a per-node delete) is left out and said so in a
``skipped-by-version`` warning; what a guard keeps is left out with a ``refused`` warning.
Nothing to delete gives a plan of the preflight alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from uccert import catalog
from uccert.catalog import PRE_STOPS, REAL_CLUSTER_TIMING, Refusal
from uccert.checks import CheckContext
from uccert.model import (
    DeleteTrustStep,
    Plan,
    PlanTiming,
    PlanWarning,
    PreflightStep,
    RedundancyGroup,
    RestartStep,
    RunState,
    Snapshot,
    StartStep,
    Step,
    StopStep,
    VerifyClusterStep,
    VerifyTrustsGoneStep,
    Via,
)
from uccert.plan.ha import ha_off_steps, ha_restore_steps, refuse_unsettled_ha
from uccert.plan.merge import VIA_FOR, Change, activated, restart_steps, step_id
from uccert.plan.prune_guards import Guards
from uccert.plan.prune_select import (
    Candidate,
    Holding,
    PruneRequest,
    check_request,
    holdings_of,
    select_candidates,
)
from uccert.plan.replication import replication_warnings
from uccert.plan.request import PlanError
from uccert.plan.scope import NodeFacts, cucm_publisher, facts_of, nodes_in_scope
from uccert.plan.warnings import Code
from uccert.plan.warnings import _restarts as restart_warnings

# The findings a prune could leave behind on the nodes it touched (verify:cluster's `serves`).
PRUNE_FINDINGS: Final = ("service-not-running", "restart-pending")
# Stops go IM/P first (§5.1 names the IM/P nodes first), publisher first within a product.
STOP_PRODUCTS: Final = (catalog.Product.IMP, catalog.Product.CUCM)
_PRODUCT_NAME: Final[Mapping[catalog.Product, str]] = {
    catalog.Product.CUCM: "CUCM",
    catalog.Product.IMP: "IM/P",
}


@dataclass(frozen=True)
class Deletion:
    """One delete-trust step: `candidate` on its node; ``covers``: the other nodes' copies
    the version's propagation removes with it (11.0+)."""

    candidate: Candidate
    covers: tuple[Holding, ...] = ()

    @property
    def holding(self) -> Holding:
        return self.candidate.holding

    @property
    def removed(self) -> tuple[Holding, ...]:
        return (self.holding, *self.covers)


@dataclass(frozen=True)
class PreStop:
    node: NodeFacts
    service: str


def _names(items: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(items))


def _cluster(snapshot: Snapshot) -> tuple[NodeFacts, ...]:
    """Every node, in procedure order. A prune needs them all read: from 11.0 a delete reaches
    every node holding the cert, and the pre-stops cover every node of a product."""
    for snap in snapshot.nodes:
        if not snap.reachable:
            raise PlanError(
                f"{snap.node.name} ({snap.node.fqdn}) could not be read: {snap.error}; a prune "
                "needs every node (deletes propagate from 11.0, pre-stops cover every node): "
                "bring it back (check SSH 22 and HTTPS 8443 and the credentials), then plan again"
            )
    position = {id(n): i for i, n in enumerate(snapshot.nodes)}
    facts = [facts_of(s) for s in snapshot.nodes]
    return tuple(sorted(facts, key=lambda f: f.order_key(position[id(f.snap)])))


# --------------------------------------------------------------------------------------------
# What gets deleted where
# --------------------------------------------------------------------------------------------


def _propagates(node: NodeFacts) -> bool:
    return catalog.delete_scope(node.version) is catalog.DeleteScope.PROPAGATES


def _blockers(
    peers: Sequence[Holding],
    allowed: Mapping[tuple[str, str, str], Candidate],
    refused: Mapping[tuple[str, str, str], str],
    scope: frozenset[str],
) -> list[str]:
    """Why the copies on `peers` may not go with a propagated delete (none: they may)."""
    outside = [p.node.name for p in peers if p.key not in allowed and p.node.name not in scope]
    reasons = (
        [f"{_names(outside)}, outside --nodes (widen it, e.g. --nodes all)"] if outside else []
    )
    for p in peers:
        if p.key in allowed or p.node.name not in scope:
            continue
        if p.key in refused:
            reasons.append(f"{p.node.name}, where it must stay: {refused[p.key]}")
        else:
            reasons.append(f"{p.node.name}, where it is not selected (its only copy there?)")
    return reasons


def _deletions(
    allowed: Sequence[Candidate],
    cluster: Sequence[Holding],
    refused: Mapping[tuple[str, str, str], str],
    scope: frozenset[str],
) -> tuple[list[Deletion], list[tuple[Candidate, str]]]:
    """One deletion per candidate before 11.0; from 11.0 one per cert and file name, on the
    first node holding it, all or nothing: a delete that would reach a copy that must stay
    is refused with every copy it would reach."""
    by_key = {c.holding.key: c for c in allowed}
    deletions: list[Deletion] = []
    blocked: list[tuple[Candidate, str]] = []
    done: set[tuple[str, str, str]] = set()
    for c in allowed:
        h = c.holding
        if h.key in done:
            continue
        if not _propagates(h.node):
            deletions.append(Deletion(c))
            done.add(h.key)
            continue
        peers = tuple(p for p in cluster if p.key != h.key and p.same_file(h))
        group = (h, *peers)
        done.update(p.key for p in group)
        reasons = _blockers(peers, by_key, refused, scope)
        if reasons:
            why = (
                f"{h.node.version} deletes {h.label} on every node holding it (a delete "
                f"propagates from 11.0), which reaches {'; '.join(reasons)}"
            )
            blocked += ((by_key[p.key], why) for p in group if p.key in by_key)
            continue
        deletions.append(Deletion(c, peers))
    return deletions, blocked


def _id_of(d: Deletion, taken: set[str]) -> str:
    h = d.holding
    sid = step_id("delete-trust", h.node.name, h.store, h.cert.serial)
    if sid in taken:  # two copies of one cert in one store: the file tells them apart
        sid = step_id(sid, h.base)
    taken.add(sid)
    return sid


def _delete_steps(deletions: Sequence[Deletion]) -> tuple[DeleteTrustStep, ...]:
    taken: set[str] = set()
    steps: list[DeleteTrustStep] = []
    for d in deletions:
        h = d.holding
        reach = ""
        if d.covers:
            reach = f"; {h.node.version} propagates it to {_names(p.node.name for p in d.covers)}"
        steps.append(
            DeleteTrustStep(
                id=_id_of(d, taken),
                node=h.node.name,
                store=h.store,
                file=h.entry.file,
                via=Via.SSH,
                serial=h.cert.serial,
                reason=f"{h.label}: {d.candidate.why} (CN {h.cert.subject_cn}, serial "
                f"{h.cert.serial}){reach}; done when it is gone from {h.store}",
            )
        )
    return tuple(steps)


@dataclass(frozen=True)
class Loss:
    """What one store on one node loses; ``gone``: serials no copy of which is left."""

    node: NodeFacts
    store: str
    gone: tuple[str, ...]


def _losses(
    deletions: Sequence[Deletion], cluster: Sequence[Holding], nodes: Sequence[NodeFacts]
) -> tuple[Loss, ...]:
    removed = {h.key for d in deletions for h in d.removed}
    out: list[Loss] = []
    for node in nodes:
        mine = [h for h in cluster if h.node.name == node.name]
        for store in dict.fromkeys(h.store for h in mine if h.key in removed):
            left = {h.cert.serial for h in mine if h.store == store and h.key not in removed}
            lost = (h.cert.serial for h in mine if h.store == store and h.key in removed)
            out.append(Loss(node, store, tuple(s for s in dict.fromkeys(lost) if s not in left)))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Pre-stops (§5.1) and what the version skips
# --------------------------------------------------------------------------------------------


def _stores_on(node: NodeFacts, stores: Iterable[str]) -> tuple[str, ...]:
    here = catalog.stores_on(node.product, node.version)
    return tuple(s for s in stores if s in here)


def _pre_stops(
    nodes: Sequence[NodeFacts], stores: Sequence[str]
) -> tuple[list[PreStop], list[PlanWarning]]:
    """The services to stop, node by node (IM/P first, publisher first), and the ones the
    snapshot shows not running (left as they are: nothing starts what was not running)."""
    stops: list[PreStop] = []
    idle: list[str] = []
    for product in STOP_PRODUCTS:
        for node in (n for n in nodes if n.product is product):
            for name in catalog.pre_stops_for(product, node.version, _stores_on(node, stores)):
                state = next((s for s in node.snap.services if s.name == name), None)
                if state is not None and (not state.activated or state.state is RunState.STOPPED):
                    shown = "not activated" if not state.activated else state.state.value
                    idle.append(f"{name} on {node.name} ({shown})")
                else:
                    stops.append(PreStop(node, name))
    warnings = []
    if idle:
        warnings.append(
            PlanWarning(
                Code.NOT_RUNNING,
                f"the pre-stops before a trust delete would stop {'; '.join(idle)}, but it is "
                "not running: it is neither "
                "stopped nor started by this plan",
            )
        )
    return stops, warnings


def _skipped_stops(nodes: Sequence[NodeFacts], stores: Sequence[str]) -> Iterable[PlanWarning]:
    """Per product and version: the §5.1 pre-stops another version would need here."""
    for product in STOP_PRODUCTS:
        spared: dict[tuple[str, str], list[str]] = {}
        for node in (n for n in nodes if n.product is product):
            here = set(_stores_on(node, stores))
            stopped = set(catalog.pre_stops_for(product, node.version, here))
            parts: list[str] = []
            for row in PRE_STOPS:
                if row.product is not product or not here or node.version in row.versions:
                    continue
                if row.only_for_stores is not None and not (row.only_for_stores & here):
                    continue
                skipped = [s for s in row.services if s not in stopped]
                when = (
                    f" when {_names(sorted(row.only_for_stores))} certs go"
                    if row.only_for_stores
                    else ""
                )
                if skipped:
                    parts.append(f"{' and '.join(skipped)} ({row.versions}{when})")
            if parts:
                spared.setdefault((node.version.text, "; ".join(parts)), []).append(node.name)
        for (version, what), names in spared.items():
            yield PlanWarning(
                Code.SKIPPED_BY_VERSION,
                f"no pre-stop before the deletes on {_PRODUCT_NAME[product]} {_names(names)} "
                f"({version}): "
                f"it stops {what}",
            )


def _skipped_deletes(deletions: Sequence[Deletion]) -> Iterable[PlanWarning]:
    for d in deletions:
        if d.covers:
            h = d.holding
            yield PlanWarning(
                Code.SKIPPED_BY_VERSION,
                f"{h.label} is deleted once, on {h.node.name}: {h.node.version} propagates a "
                f"delete to every node holding it, so none is planned on "
                f"{_names(p.node.name for p in d.covers)} (deletes are per node only before 11.0)",
            )


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def _control(
    kind: type[StopStep] | type[StartStep], stop: PreStop, stores: Sequence[str]
) -> StopStep | StartStep:
    service = catalog.service(stop.service)
    action = "stop" if kind is StopStep else "start"
    if kind is StopStep:
        notes = [
            row.guides_note
            for row in PRE_STOPS
            if row.product is stop.node.product
            and stop.node.version in row.versions
            and stop.service in row.services
            and row.guides_note
        ]
        why = (
            f"stop before deleting from {_names(stores)} on {stop.node.product.value} "
            f"{stop.node.version}: it would put a deleted cert back or act on it"
            f"{''.join(f' ({n})' for n in notes)}; done when {stop.service} shows Stopped"
        )
    else:
        why = (
            "start what was stopped before the deletes (a safety step: it runs even when the "
            "run fails); "
            f"done when {stop.service} shows Started"
        )
    return kind(
        id=step_id(action, stop.node.name, stop.service),
        node=stop.node.name,
        service=stop.service,
        via=VIA_FOR[service.control],
        serves=tuple(stores),
        reason=why,
    )


def _changes(
    losses: Sequence[Loss], stopped: set[tuple[str, str]], features: frozenset[catalog.Feature]
) -> tuple[Change, ...]:
    """§5.4 per store that lost a cert; a service the plan stopped is started, not restarted
    (it loads the stores then)."""
    out: list[Change] = []
    for loss in losses:
        n = loss.node
        restarts = catalog.restarts_after_trust_delete(
            loss.store, n.product, n.role, n.version, features
        )
        kept = tuple(r for r in activated(n, restarts) if (n.name, r.service) not in stopped)
        out.append(Change(n, loss.store, kept))
    return tuple(out)


def _verify_steps(losses: Sequence[Loss]) -> tuple[VerifyTrustsGoneStep, ...]:
    return tuple(
        VerifyTrustsGoneStep(
            id=step_id("verify", loss.node.name, loss.store),
            node=loss.node.name,
            store=loss.store,
            serials=loss.gone,
            reason=f"none of the deleted certs is back in {loss.store} on {loss.node.name} "
            "(no Certificate Change Notification re-add)",
        )
        for loss in losses
    )


VERIFY_AFTER_PRUNE: Final = VerifyClusterStep(
    id="verify:cluster",
    codes=PRUNE_FINDINGS,
    reason="a fresh read of the cluster: no service down and no restart pending on the nodes "
    "the plan touched",
)


def _preflight(nodes: Sequence[NodeFacts]) -> PreflightStep:
    return PreflightStep(
        id="preflight",
        reason=f"before any change: every node answers ({_names(n.name for n in nodes)}), and "
        "the CUCM publisher's AXL answers when HA is to be changed",
    )


def _groups_off(
    snapshot: Snapshot,
    stops: Sequence[PreStop],
    restarts: Sequence[RestartStep],
    nodes: Sequence[NodeFacts],
) -> tuple[RedundancyGroup, ...]:
    """§3: groups with HA on and a member that stops or restarts a service where that needs HA
    off (any IM/P node)."""
    by_name = {n.name: n for n in nodes}
    needing = [
        s.node for s in stops if catalog.needs_ha_off(s.node.product, catalog.ServiceAction.STOP)
    ]
    needing += [
        by_name[s.node]
        for s in restarts
        if s.node in by_name
        and catalog.needs_ha_off(by_name[s.node].product, catalog.ServiceAction.RESTART)
    ]
    return tuple(g for g in snapshot.groups if g.ha_enabled and any(n.in_group(g) for n in needing))


# --------------------------------------------------------------------------------------------
# Warnings about what is left alone
# --------------------------------------------------------------------------------------------


def _refused(items: Sequence[tuple[Candidate, str]]) -> Iterable[PlanWarning]:
    """One warning per cert and reason, naming every node it stays on."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for c, why in items:
        h = c.holding
        grouped.setdefault((h.label, h.cert.serial, why), []).append(h.node.name)
    for (label, serial, why), names in grouped.items():
        yield PlanWarning(
            Code.REFUSED, f"{label} (serial {serial}) stays on {_names(names)}: {why}"
        )


def _forced(items: Sequence[tuple[Candidate, Refusal]]) -> Iterable[PlanWarning]:
    for c, r in items:
        h = c.holding
        yield PlanWarning(
            Code.FORCED, f"--force: {h.label} is deleted on {h.node.name} though {r.reason}"
        )


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def plan_prune(
    snapshot: Snapshot,
    request: PruneRequest,
    timing: PlanTiming = REAL_CLUSTER_TIMING,
    now: datetime | None = None,
) -> Plan:
    """The plan for `request` on `snapshot` at `now` (the snapshot's time if None). Raises
    PlanError (exit 2) before planning anything for a bad request, an unread node, an unknown
    version or a --nodes name not in the cluster."""
    pattern = check_request(request)
    when = now if now is not None else snapshot.taken_at
    publisher = cucm_publisher(snapshot)
    scope = nodes_in_scope(snapshot, request.nodes)
    refuse_unsettled_ha(snapshot)
    replication = replication_warnings(snapshot, request.force_replication)
    nodes = _cluster(snapshot)
    features = CheckContext(snapshot, when, 0).catalog_features()
    cluster = holdings_of(nodes)
    guards = Guards.of(nodes, publisher, features)

    allowed: list[Candidate] = []
    refused: list[tuple[Candidate, str]] = []
    forced: list[tuple[Candidate, Refusal]] = []
    for c in select_candidates(scope, cluster, request, pattern, when):
        r = guards.refusal(c)
        if r is None:
            allowed.append(c)
        elif r.liftable and request.force:
            allowed.append(c)
            forced.append((c, r))
        else:
            refused.append((c, r.reason))
    refused_at = {c.holding.key: why for c, why in refused}
    deletions, blocked = _deletions(allowed, cluster, refused_at, frozenset(n.name for n in scope))
    refused += blocked
    blocked_keys = {c.holding.key for c, _ in blocked}
    forced = [(c, r) for c, r in forced if c.holding.key not in blocked_keys]

    warnings: list[PlanWarning] = [*replication, *_refused(refused), *_forced(forced)]
    steps: list[Step] = [_preflight(nodes)]
    if deletions:
        losses = _losses(deletions, cluster, nodes)
        stores = tuple(dict.fromkeys(loss.store for loss in losses))
        stops, idle = _pre_stops(nodes, stores)
        stopped = {(s.node.name, s.service) for s in stops}
        restarts = restart_steps(_changes(losses, stopped, features), nodes)
        groups = _groups_off(snapshot, stops, restarts, nodes)
        stores_of = {n.name: _stores_on(n, stores) for n in nodes}
        steps += [
            *ha_off_steps(groups, timing),
            *(_control(StopStep, s, stores_of[s.node.name]) for s in stops),
            *_delete_steps(deletions),
            *restarts,
            *(_control(StartStep, s, stores_of[s.node.name]) for s in reversed(stops)),
            *_verify_steps(losses),
            VERIFY_AFTER_PRUNE,
            *ha_restore_steps(groups),
        ]
        warnings += [
            *_skipped_deletes(deletions),
            *_skipped_stops(nodes, stores),
            *idle,
            *restart_warnings(restarts, nodes, groups),
        ]
    return Plan(
        cluster=snapshot.cluster,
        command=request.command,
        steps=tuple(steps),
        warnings=tuple(warnings),
        timing=timing,
    )
