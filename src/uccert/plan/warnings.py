"""What the admin must be told with a plan: units it leaves alone and why, changes it makes
unasked, and the catalog's warnings about consequences outside the cluster (§3, §6).

The catalog (`catalog.warnings_for`) decides which warnings apply to which event on which node;
this module only gathers the events of one plan and says, per warning, which units and nodes
set it off. Warning codes are the catalog's `WarningCode` values, plus the planner's own
(`Code`).
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from uccert import catalog
from uccert.catalog import WARNINGS, CertKind, ClientWarning, Event, WarningCode
from uccert.checks import CLASHING_PAIRS
from uccert.model import Distribution, Finding, PlanWarning, RedundancyGroup, RestartStep, RunState
from uccert.plan.repair import TrustRepair
from uccert.plan.scope import NodeFacts
from uccert.plan.select import Candidate, Selection


class Code(StrEnum):
    """The planners' own warning codes (the catalog's are `catalog.WarningCode`)."""

    CA_SIGNED_SKIPPED = "ca-signed-skipped"
    FORCE_SELF_SIGNED = "force-self-signed"
    UNIT_NOT_READ = "unit-not-read"
    UNIT_NOT_IN_SCOPE = "unit-not-in-scope"
    IPSEC_TRUST_REPAIR = "ipsec-trust-repair"
    IPSEC_TRUST_OUT_OF_SCOPE = "ipsec-trust-out-of-scope"
    SERVICE_INTERRUPTION = "service-interruption"
    # trust prune (plan/prune.py)
    REFUSED = "refused"
    FORCED = "forced"
    SKIPPED_BY_VERSION = "skipped-by-version"
    NOT_RUNNING = "pre-stop-not-running"


# uccert commands that do the follow-up a catalog warning asks for.
FOLLOW_UP: Final[Mapping[WarningCode, str]] = MappingProxyType(
    {
        WarningCode.JABBER_TRUST_PROMPT: "`uccert export --client-bundle` gathers the new "
        "certs to push",
    }
)

_CA_KIND: Final = MappingProxyType(
    {Distribution.MULTI: CertKind.CA_MULTI_SERVER, Distribution.SINGLE: CertKind.CA_SINGLE_NODE}
)


def _names(items: Iterable[str]) -> str:
    return ", ".join(dict.fromkeys(items))


def _nodes(names: Iterable[str], nodes: Sequence[NodeFacts]) -> str:
    """Node names once each, in scope order (publisher first)."""
    order = {n.name: i for i, n in enumerate(nodes)}
    return _names(sorted(dict.fromkeys(names), key=lambda n: order.get(n, len(order))))


def _by_unit(candidates: Iterable[Candidate]) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {}
    for c in candidates:
        out.setdefault(c.unit, []).append(c)
    return out


def _ca_signed(skipped: Sequence[Candidate]) -> Iterable[PlanWarning]:
    for unit, cands in _by_unit(skipped).items():
        kinds = dict.fromkeys(_CA_KIND[c.cert.distribution] for c in cands)
        routes = "; ".join(f"{k.value}: {catalog.RENEW_ACTION[k].value}" for k in kinds)
        yield PlanWarning(
            Code.CA_SIGNED_SKIPPED,
            f"{unit} on {_names(c.node.name for c in cands)} is CA-signed, so it is not "
            "regenerated (that would overwrite the CA-signed cert with a self-signed one); "
            f"renew it through a CSR: `uccert csr --unit {unit}` ({routes}); "
            "--force-self-signed replaces it with a self-signed cert instead",
        )


def _forced(chosen: Sequence[Candidate]) -> Iterable[PlanWarning]:
    for unit, cands in _by_unit(c for c in chosen if c.forced).items():
        issuers = _names(c.cert.issuer_cn for c in cands)
        yield PlanWarning(
            Code.FORCE_SELF_SIGNED,
            f"{unit} on {_names(c.node.name for c in cands)} is CA-signed (issuer {issuers}); "
            "--force-self-signed replaces it with a self-signed cert: clients and peers that "
            f"trusted it through the CA reject it until they get the new cert "
            f"(the CSR route keeps the CA: `uccert csr --unit {unit}`)",
        )


def _not_read(missing: Sequence[tuple[NodeFacts, str]]) -> Iterable[PlanWarning]:
    for node, unit in missing:
        yield PlanWarning(
            Code.UNIT_NOT_READ,
            f"{node.name} ({node.product.value} {node.version}) should have a {unit} cert but "
            f"the snapshot shows none, so it is not regenerated there: check `show cert own "
            f"{catalog.unit(unit).own_file}` on {node.name}, then plan again",
        )


def _absent(units: Sequence[str], nodes: Sequence[NodeFacts]) -> Iterable[PlanWarning]:
    if units:
        yield PlanWarning(
            Code.UNIT_NOT_IN_SCOPE,
            f"{_names(units)}: no node in scope ({_names(n.name for n in nodes)}) has "
            "this unit, so nothing is planned for it (--nodes all widens the scope)",
        )


def _repairs(
    repairs: Sequence[TrustRepair], restarts: Sequence[RestartStep]
) -> Iterable[PlanWarning]:
    if not repairs:
        return
    nodes = _names(r.node.name for r in repairs)
    stores = {r.store for r in repairs}
    services = _names(s.service for s in restarts if stores.intersection(s.serves))
    yield PlanWarning(
        Code.IPSEC_TRUST_REPAIR,
        f"{nodes}: ipsec-trust lacks the CUCM publisher {repairs[0].source}'s current ipsec "
        f"cert, so DRS backups fail; though not asked for, the plan imports it again "
        f"and restarts {services or 'nothing'} there (the final check would fail otherwise)",
    )


def _outside(findings: Sequence[Finding]) -> Iterable[PlanWarning]:
    for f in findings:
        yield PlanWarning(
            Code.IPSEC_TRUST_OUT_OF_SCOPE,
            f"{f.message}; {f.node} is outside --nodes, so the plan leaves it and the run's "
            f"final check will report it: {f.fix}",
        )


@dataclass
class _Gathered:
    """One catalog warning and what set it off."""

    warning: ClientWarning
    units: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)


def _gather(hits: Iterable[tuple[ClientWarning, str | None, str]]) -> list[_Gathered]:
    gathered: dict[WarningCode, _Gathered] = {}
    for w, unit, node in hits:
        g = gathered.setdefault(w.code, _Gathered(w))
        if unit is not None:
            g.units.append(unit)
        g.nodes.append(node)
    return sorted(gathered.values(), key=lambda g: WARNINGS.index(g.warning))


def _catalog_warning(g: _Gathered, what: str) -> PlanWarning:
    follow = FOLLOW_UP.get(g.warning.code)
    tail = f"; {follow}" if follow else ""
    return PlanWarning(
        g.warning.code.value, f"{g.warning.message} ({what}): {g.warning.action}{tail}"
    )


def _regenerated(
    chosen: Sequence[Candidate],
    nodes: Sequence[NodeFacts],
    features: frozenset[catalog.Feature],
) -> Iterable[PlanWarning]:
    hits = (
        (w, c.unit, c.node.name)
        for c in chosen
        for w in catalog.warnings_for(
            Event.REGENERATED_SELF_SIGNED, c.node.product, c.node.role, c.unit, features
        )
    )
    for g in _gather(hits):
        what = f"regenerated self-signed: {_names(g.units)} on {_nodes(g.nodes, nodes)}"
        yield _catalog_warning(g, what)


def _same_cn(chosen: Sequence[Candidate], nodes: Sequence[NodeFacts]) -> Iterable[PlanWarning]:
    """§6 after the plan: a regeneration keeps the CN and makes the cert self-signed, so a
    pair that shares a CN clashes once both are self-signed."""
    regenerated = {(c.node.name, c.unit) for c in chosen}
    hits: list[tuple[ClientWarning, str | None, str]] = []
    for node in nodes:
        for first, second in CLASHING_PAIRS:
            if not {(node.name, first), (node.name, second)} & regenerated:
                continue
            a, b = node.snap.identity(first), node.snap.identity(second)
            if a is None or b is None or a.subject_cn.lower() != b.subject_cn.lower():
                continue
            if not all(c.self_signed or (node.name, c.unit) in regenerated for c in (a, b)):
                continue
            for w in catalog.warnings_for(Event.SAME_CN, node.product, node.role):
                hits.append((w, f"{first}+{second}", node.name))
    for g in _gather(hits):
        where = f"after this plan: {_names(g.units)} on {_nodes(g.nodes, nodes)}"
        yield _catalog_warning(g, where)


def _restarts(
    restarts: Sequence[RestartStep],
    nodes: Sequence[NodeFacts],
    groups_off: Sequence[RedundancyGroup],
) -> Iterable[PlanWarning]:
    if not restarts:
        return
    by_name = {n.name: n for n in nodes}
    touched = [by_name[s.node] for s in restarts if s.node in by_name]
    hits = (
        (w, None, n.name)
        for n in touched
        for w in catalog.warnings_for(Event.SERVICES_RESTARTED, n.product, n.role)
    )
    for g in _gather(hits):
        yield _catalog_warning(g, f"{len(restarts)} restarts on {_nodes(g.nodes, nodes)}")
    parts = [
        f"{len(restarts)} service restarts on {_nodes((n.name for n in touched), nodes)}, "
        "each node's finished before the next starts"
    ]
    if groups_off:
        parts.append(
            f"HA is off on {_names(g.name for g in groups_off)} from ha-off to ha-restore: "
            "a node that fails meanwhile does not fail over"
        )
    cascades: dict[str, list[str]] = {}
    for s in restarts:
        node = by_name.get(s.node)
        if node is None:
            continue
        started = [x.name for x in node.snap.services if x.state is RunState.STARTED]
        cascades.setdefault(s.service, []).extend(catalog.cascade_of(s.service, started))
    parts += [
        f"restarting {name} also restarts {_names(also)} on its node"
        for name, also in cascades.items()
        if also
    ]
    yield PlanWarning(Code.SERVICE_INTERRUPTION, "; ".join(dict.fromkeys(parts)))


def plan_warnings(
    selection: Selection,
    nodes: Sequence[NodeFacts],
    repairs: Sequence[TrustRepair],
    outside: Sequence[Finding],
    restarts: Sequence[RestartStep],
    groups_off: Sequence[RedundancyGroup],
    features: frozenset[catalog.Feature],
) -> tuple[PlanWarning, ...]:
    """Every warning of one plan, most decisive first: what it does not do, what it does
    unasked, then consequences outside the cluster."""
    return (
        *_ca_signed(selection.ca_signed),
        *_forced(selection.chosen),
        *_not_read(selection.not_read),
        *_absent(selection.absent, nodes),
        *_repairs(repairs, restarts),
        *_outside(outside),
        *_regenerated(selection.chosen, nodes, features),
        *_same_cn(selection.chosen, nodes),
        *_restarts(restarts, nodes, groups_off),
    )
