"""Restarts: from "what changed on which node" to ordered restart steps.

Each change (a unit regenerated, a trust store repaired) brings its catalog restarts on its
node, in the catalog's order. Merging keeps every one of those orders, restarts each service
once per node whatever number of changes need it (cup-xmpp and cup-xmpp-s2s both need Cisco XCP
Router), and sweeps service by service (`catalog.restarts.SWEEP`): a service on every node in
scope order (publisher first), then the next service. The literal plan calls this once per
unit, so a service two units need restarts twice.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import Final

from uccert import catalog
from uccert.catalog import ControlPath, ServiceRestart
from uccert.model import RestartStep, Via
from uccert.plan.scope import NodeFacts

# Control Center SOAP where it may be used; Cisco Tomcat only from the CLI (over SSH).
VIA_FOR: Final[Mapping[ControlPath, Via]] = MappingProxyType(
    {ControlPath.SOAP_OR_CLI: Via.SOAP, ControlPath.CLI_ONLY: Via.SSH}
)


@dataclass(frozen=True)
class Change:
    """`subject` (a unit, or a trust store) changed on `node`; `restarts` are the catalog's,
    in order, already limited to services that are activated there. `reason` replaces the
    catalog's reason where the change is not the one its table was written for."""

    node: NodeFacts
    subject: str
    restarts: tuple[ServiceRestart, ...]
    reason: str | None = None


def step_id(*parts: str | None) -> str:
    return ":".join(p for p in parts if p)


def service_order(sequences: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """One order that keeps the order within every sequence; among services free to go next,
    the one seen first goes first. Raises ValueError if two sequences contradict each other
    (the catalog would be wrong)."""
    first_seen: dict[str, int] = {}
    after: dict[str, set[str]] = {}
    for seq in sequences:
        for name in seq:
            first_seen.setdefault(name, len(first_seen))
            after.setdefault(name, set())
        for earlier, later in pairwise(seq):
            if earlier != later:
                after[later].add(earlier)
    done: list[str] = []
    left = sorted(first_seen, key=first_seen.__getitem__)
    while left:
        ready = next((s for s in left if after[s].issubset(done)), None)
        if ready is None:
            raise ValueError(f"restart orders contradict each other for {', '.join(left)}")
        done.append(ready)
        left.remove(ready)
    return tuple(done)


def _reason(restart: ServiceRestart, reasons: Sequence[str]) -> str:
    text = "; ".join(dict.fromkeys(reasons))
    if restart.via is ControlPath.CLI_ONLY:
        text += f" (CLI only: `{restart.cli_command}`)"
    return text


def restart_steps(
    changes: Sequence[Change], nodes: Sequence[NodeFacts], suffix: str | None = None
) -> tuple[RestartStep, ...]:
    """Merged restart steps for `changes`, swept service by service over `nodes` (in scope
    order). `suffix` keeps ids unique when a plan has several rounds (literal mode)."""
    per_node: dict[str, dict[str, tuple[ServiceRestart, list[str], list[str]]]] = {}
    for change in changes:
        services = per_node.setdefault(change.node.name, {})
        for r in change.restarts:
            _, serves, reasons = services.setdefault(r.service, (r, [], []))
            serves.append(change.subject)
            reasons.append(change.reason or r.reason)
    steps: list[RestartStep] = []
    for name in service_order(tuple(r.service for r in c.restarts) for c in changes):
        for node in nodes:
            entry = per_node.get(node.name, {}).get(name)
            if entry is None:
                continue
            restart, serves, reasons = entry
            steps.append(
                RestartStep(
                    id=step_id("restart", node.name, name, suffix),
                    node=node.name,
                    service=name,
                    via=VIA_FOR[restart.via],
                    serves=tuple(dict.fromkeys(serves)),
                    reason=_reason(restart, reasons),
                )
            )
    return tuple(steps)


def activated(node: NodeFacts, restarts: Iterable[ServiceRestart]) -> tuple[ServiceRestart, ...]:
    """Drop services the snapshot shows deactivated on the node: they are not running and
    cannot be restarted. A service the snapshot does not list is kept (not every reader lists
    every service)."""
    off = {s.name for s in node.snap.services if not s.activated}
    return tuple(r for r in restarts if r.service not in off)


def needs_ha_off(node: NodeFacts) -> bool:
    """§3: a restart on this node needs HA off on its redundancy group."""
    return catalog.needs_ha_off(node.product, catalog.ServiceAction.RESTART)
