"""What an upload leaves to do: the restarts it needs and the facts the restart planner takes.

The upload itself only stores certificates; services present a new cert only after they
restart (§2.4, §7). :func:`upload_plan_inputs` says which (node, unit) identities and which
trust stores changed, and whether CA certs reached the IM/P publisher (then Cisco Intercluster
Sync Agent must restart there, §6). :func:`restarts_after_upload` turns that into ordered
restarts per node, publisher first, from the catalog's tables — for display now, and for the
planner that will run them with HA handled.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from uccert.ca.chain import fingerprint
from uccert.ca.upload_checks import TrustUpload, UploadPlan
from uccert.catalog import (
    CLIENT_FACING,
    ClientWarning,
    Event,
    Feature,
    NotInProcedureError,
    Placement,
    ServiceRestart,
    UnknownNameError,
    Version,
    VersionError,
    drf_master_host,
    restarts_for,
    service,
    warnings_for,
)
from uccert.model import NodeSnapshot, Product, Role, Snapshot

INTERCLUSTER_SYNC_AGENT: Final = "Cisco Intercluster Sync Agent"


@dataclass(frozen=True)
class UploadChange:
    """The restart planner's input: what changed where."""

    cluster: str
    unit: str
    changed: tuple[tuple[str, str], ...]  # (node, unit): identity replaced
    trust_added: tuple[tuple[str, str, str], ...]  # (node, store, sha256)
    intercluster_sync_on: str | None  # IM/P publisher whose trust stores got CA certs


@dataclass(frozen=True)
class NodeRestarts:
    node: str
    restarts: tuple[ServiceRestart, ...]


def upload_plan_inputs(
    plan: UploadPlan,
    snapshot: Snapshot,
    trust_done: Iterable[TrustUpload] | None = None,
    stored_on: Iterable[str] | None = None,
) -> UploadChange:
    """Which (node, unit) changed and which trust stores gained CA certs. ``trust_done``: the
    trust uploads actually made, ``stored_on``: the nodes that now store the leaf (read back);
    by default everything the plan meant to change."""
    done = tuple(plan.trust_uploads if trust_done is None else trust_done)
    holders = set(plan.covers if stored_on is None else stored_on)
    imp_pub = next(
        (
            n.node.name
            for n in snapshot.nodes
            if n.node.product is Product.IMP and n.node.role is Role.PUBLISHER
        ),
        None,
    )
    return UploadChange(
        cluster=plan.cluster,
        unit=plan.unit,
        changed=tuple((node, plan.unit) for node in plan.covers if node in holders),
        trust_added=tuple((t.node, t.store, fingerprint(t.cert)) for t in done),
        intercluster_sync_on=imp_pub if any(t.node == imp_pub for t in done) else None,
    )


def _features(snapshot: Snapshot) -> frozenset[Feature]:
    known = {f.value: f for f in Feature}
    spelled = (f.strip().lower().replace("_", "-") for f in snapshot.features)
    return frozenset(known[s] for s in spelled if s in known)


def _order(node: NodeSnapshot) -> tuple[int, int]:
    # §2.4: publisher first; the CUCM side before IM/P (as the note walks the cluster)
    publisher = node.node.role is Role.PUBLISHER
    return (0 if publisher else 1, 0 if node.node.product is Product.CUCM else 1)


def restarts_after_upload(change: UploadChange, snapshot: Snapshot) -> tuple[NodeRestarts, ...]:
    """Ordered restarts per node (publishers first) that make the upload take effect."""
    changed = {node for node, _ in change.changed}
    features = _features(snapshot)
    out: list[NodeRestarts] = []
    elsewhere: dict[str, list[ServiceRestart]] = {}  # DRF Master on the node serving the changed
    here: dict[str, list[ServiceRestart]] = {}
    for n in snapshot.nodes:
        if n.node.name not in changed:
            continue
        try:
            version = Version.parse(n.node.version)
            product = n.node.product
            found = restarts_for(change.unit, product, n.node.role, version, features)
        except (VersionError, NotInProcedureError, UnknownNameError):
            continue  # outside the note's tables: the caller says to check Cisco's guide
        here[n.node.name] = [r for r in found if r.placement is Placement.THIS_NODE]
        remote = [r for r in found if r.placement is Placement.DRF_MASTER_HOST]
        host_product, _ = drf_master_host(product, version)
        host = snapshot.publisher(host_product)
        if remote and host is not None:
            for r in remote:
                if r.service not in {x.service for x in elsewhere.get(host.node.name, [])}:
                    elsewhere.setdefault(host.node.name, []).append(r)
    for n in sorted(snapshot.nodes, key=_order):
        name = n.node.name
        restarts: list[ServiceRestart] = [*elsewhere.get(name, ()), *here.get(name, ())]
        if name == change.intercluster_sync_on:
            isa = service(INTERCLUSTER_SYNC_AGENT)
            restarts.append(
                ServiceRestart(
                    INTERCLUSTER_SYNC_AGENT,
                    isa.control,
                    "CA certs uploaded: peer clusters get them after this restart",
                )
            )
        if restarts:
            out.append(NodeRestarts(name, tuple(restarts)))
    return tuple(out)


def upload_warnings(change: UploadChange, restarting: bool = False) -> tuple[ClientWarning, ...]:
    """§3/§6 warnings that apply after this upload (``restarting``: uccert restarts the
    services itself, Intercluster Sync Agent included, so that one goes without saying)."""
    found: list[ClientWarning] = []
    if change.intercluster_sync_on is not None and not restarting:
        found += warnings_for(Event.CA_CERTS_UPLOADED, Product.IMP, Role.PUBLISHER)
    found += warnings_for(Event.SERVICES_RESTARTED, Product.IMP)
    return tuple(found)


def client_bundle_hint(change: UploadChange) -> str | None:
    """Jabber validates tomcat and cup-xmpp (§6): devices need the new CA chain."""
    base = change.unit.removesuffix("-ECDSA")
    if base not in CLIENT_FACING:
        return None
    return (
        f"Jabber validates {base}: devices must trust its CA — write the bundle with "
        "`uccert export --client-bundle DIR` and push it (group policy, MDM)"
    )
