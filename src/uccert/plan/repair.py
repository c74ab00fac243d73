"""§4 repair: a node in scope whose ipsec-trust lacks the CUCM publisher's current ipsec cert.

DRS backups to such a node fail, and the run's final check (§4 "check before and after") would
find it whatever units were regenerated, so the plan puts the publisher's cert back (an
import-trust step) and restarts what loads ipsec-trust there. Nodes outside the scope are only
reported: the admin chose not to touch them.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from uccert import catalog
from uccert.checks import CheckContext
from uccert.checks import ipsec as ipsec_check
from uccert.model import Finding, ImportTrustStep, NodeSnapshot, Snapshot, Via
from uccert.plan.merge import Change, activated, step_id
from uccert.plan.scope import NodeFacts

REPAIRED_BY_IMPORT: Final = frozenset({"ipsec-trust-missing", "ipsec-trust-mismatch"})


@dataclass(frozen=True)
class TrustRepair:
    """Import `source`'s `unit` cert into `store` on `node`; `serial`: the cert expected
    there, None when the plan regenerates it first (the executor reads it then)."""

    node: NodeFacts
    store: str
    unit: str
    source: str
    serial: str | None
    finding: Finding
    change: Change

    def step(self) -> ImportTrustStep:
        return ImportTrustStep(
            id=step_id("import-trust", self.node.name, self.store),
            node=self.node.name,
            unit=self.unit,
            store=self.store,
            source=self.source,
            via=Via.SSH,
            expected_serial=self.serial,
            reason=(
                f"{self.finding.code}: {self.store} on {self.node.name} lacks the CUCM "
                f"publisher {self.source}'s current {self.unit} cert, so DRS backups fail; "
                "import it again"
            ),
        )


def ipsec_findings(snapshot: Snapshot) -> tuple[Finding, ...]:
    """The §4 findings an import repairs, from the checks' own reading of the snapshot."""
    ctx = CheckContext(snapshot, snapshot.taken_at, 0)
    return tuple(f for f in ipsec_check.check(ctx) if f.code in REPAIRED_BY_IMPORT)


def ipsec_repairs(
    snapshot: Snapshot,
    nodes: Sequence[NodeFacts],
    publisher: NodeSnapshot,
    features: frozenset[catalog.Feature],
    publisher_regenerated: bool,
) -> tuple[tuple[TrustRepair, ...], tuple[Finding, ...]]:
    """Repairs for nodes in scope, and the findings on nodes outside it."""
    found = ipsec_findings(snapshot)
    by_name = {n.name: n for n in nodes}
    pub_cert = publisher.identity(ipsec_check.IPSEC_UNIT)
    repairs: list[TrustRepair] = []
    outside: list[Finding] = []
    for finding in found:
        node = by_name.get(finding.node or "")
        if node is None:
            outside.append(finding)
            continue
        store = catalog.trust_store_for(ipsec_check.IPSEC_UNIT, node.version)
        if store is None or pub_cert is None:
            continue
        # What loads a trust store is the same whether it lost or regained a cert (§5.4 table).
        restarts = catalog.restarts_after_trust_delete(
            store, node.product, node.role, node.version, features
        )
        reason = f"{store} got the CUCM publisher's {ipsec_check.IPSEC_UNIT} cert back"
        repairs.append(
            TrustRepair(
                node=node,
                store=store,
                unit=ipsec_check.IPSEC_UNIT,
                source=publisher.node.name,
                serial=None if publisher_regenerated else pub_cert.serial,
                finding=finding,
                change=Change(node, store, activated(node, restarts), reason),
            )
        )
    order = {n.name: i for i, n in enumerate(nodes)}
    repairs.sort(key=lambda r: order[r.node.name])
    return tuple(repairs), tuple(outside)
