"""Which nodes a plan touches, in the order the procedure visits them, and what the catalog
needs to know about each (product, role, version).

Order (§2.1, §2.4): publisher first, then each subscriber in turn (`catalog.NODE_ORDER`); with
both products in scope, CUCM nodes before IM/P nodes (`PRODUCT_ORDER`). Subscribers keep the
snapshot's order, which is the order discovery listed them in.

The planner refuses here, before planning anything, when a node it needs could not be read
or its version is unknown: a plan built on a partial view could skip a node silently.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from uccert import catalog
from uccert.model import NodeSnapshot, Product, RedundancyGroup, Snapshot
from uccert.plan.request import SCOPES, PlanError

# CUCM nodes before IM/P nodes when a plan covers both (the CUCM publisher holds the cluster's
# configuration and the IM/P nodes follow it).
PRODUCT_ORDER: Final[tuple[catalog.Product, ...]] = (catalog.Product.CUCM, catalog.Product.IMP)


@dataclass(frozen=True)
class NodeFacts:
    """One node of the snapshot in the catalog's vocabulary."""

    snap: NodeSnapshot
    product: catalog.Product
    role: catalog.Role
    version: catalog.Version

    @property
    def name(self) -> str:
        return self.snap.node.name

    def order_key(self, position: int) -> tuple[int, int, int]:
        return (
            PRODUCT_ORDER.index(self.product),
            catalog.NODE_ORDER.index(self.role),
            position,
        )

    def in_group(self, group: RedundancyGroup) -> bool:
        names = {self.snap.node.name.lower(), self.snap.node.fqdn.lower()}
        return any(s is not None and s.lower() in names for s in (group.server1, group.server2))


def _unreadable(snap: NodeSnapshot, why: str) -> PlanError:
    return PlanError(
        f"{snap.node.name} ({snap.node.fqdn}) could not be read: {snap.error}; {why}: "
        "bring it back (check SSH 22 and HTTPS 8443 and the credentials), then plan again"
    )


def facts_of(snap: NodeSnapshot) -> NodeFacts:
    """The node's catalog facts; PlanError when its version is unknown or unreadable."""
    name = snap.node.name
    try:
        version = catalog.Version.parse(snap.node.version)
    except catalog.VersionError as exc:
        shown = repr(snap.node.version) if snap.node.version.strip() else "unknown"
        raise PlanError(
            f"{name}'s version is {shown} ({exc}): which units exist and which services "
            f"restart depend on it; check `show version active` on {name}, then plan again"
        ) from None
    return NodeFacts(snap, snap.node.product, snap.node.role, version)


def _named(snapshot: Snapshot, names: Iterable[str]) -> list[NodeSnapshot]:
    out: list[NodeSnapshot] = []
    known = ", ".join(n.node.name for n in snapshot.nodes)
    for wanted in names:
        key = wanted.lower()
        found = next(
            (n for n in snapshot.nodes if key in (n.node.name.lower(), n.node.fqdn.lower())),
            None,
        )
        if found is None:
            raise PlanError(
                f"no node {wanted!r} in cluster {snapshot.cluster}: --nodes takes "
                f"{', '.join(SCOPES)} or node names ({known})"
            )
        if found not in out:
            out.append(found)
    return out


def _selected(snapshot: Snapshot, nodes: tuple[str, ...] | str) -> list[NodeSnapshot]:
    if isinstance(nodes, str):
        if nodes not in SCOPES:
            raise PlanError(
                f"--nodes {nodes!r}: give {', '.join(SCOPES)} or comma-separated node names"
            )
        if nodes == "all":
            return list(snapshot.nodes)
        return [n for n in snapshot.nodes if n.node.product.value == nodes]
    if not nodes:
        raise PlanError(f"--nodes is empty: give {', '.join(SCOPES)} or node names")
    return _named(snapshot, nodes)


def cucm_publisher(snapshot: Snapshot) -> NodeSnapshot:
    """The CUCM publisher, readable: HA is changed through its AXL and §4 compares every
    node's ipsec-trust with its ipsec cert."""
    pub = snapshot.publisher(Product.CUCM)
    if pub is None:
        raise PlanError(
            f"cluster {snapshot.cluster} has no CUCM publisher in the snapshot: uccert needs it "
            "for HA (AXL) and the ipsec trust check; check the inventory's publisher address"
        )
    if not pub.reachable:
        raise _unreadable(pub, "the CUCM publisher is needed for HA (AXL) and ipsec trust")
    return pub


def nodes_in_scope(snapshot: Snapshot, nodes: tuple[str, ...] | str) -> tuple[NodeFacts, ...]:
    """The nodes `nodes` selects, readable, with known versions, in procedure order."""
    selected = _selected(snapshot, nodes)
    if not selected:
        raise PlanError(
            f"--nodes {nodes} selects no node of cluster {snapshot.cluster}: "
            f"its nodes are {', '.join(n.node.name for n in snapshot.nodes)}"
        )
    for snap in selected:
        if not snap.reachable:
            raise _unreadable(snap, "it is in the plan's scope")
    position = {id(n): i for i, n in enumerate(snapshot.nodes)}
    facts = [facts_of(s) for s in selected]
    return tuple(sorted(facts, key=lambda f: f.order_key(position[id(f.snap)])))


def drf_master_node(snapshot: Snapshot, node: NodeFacts) -> NodeFacts:
    """The node whose DRF Master serves ``node`` (§1: the CUCM publisher from 10.0, whatever
    the plan's scope), readable; PlanError when it is missing or unread."""
    product, _role = catalog.drf_master_host(node.product, node.version)
    host = snapshot.publisher(product)
    if host is None:
        raise PlanError(
            f"cluster {snapshot.cluster} has no {product.value} publisher in the snapshot: its "
            f"DRF Master serves {node.name} and must restart after {node.name}'s DRF cert "
            "changes; check the inventory"
        )
    if not host.reachable:
        raise _unreadable(host, f"its DRF Master serves {node.name}")
    return facts_of(host)


def in_order(snapshot: Snapshot, nodes: Iterable[NodeFacts]) -> tuple[NodeFacts, ...]:
    """``nodes`` once each, in procedure order."""
    position = {id(n): i for i, n in enumerate(snapshot.nodes)}
    unique = {n.name: n for n in nodes}
    return tuple(sorted(unique.values(), key=lambda f: f.order_key(position[id(f.snap)])))
