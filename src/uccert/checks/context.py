"""What every check receives, and the mapping of model values onto the catalog's vocabulary."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from uccert import catalog
from uccert.catalog import Feature, VersionError
from uccert.model import Finding, NodeSnapshot, Severity, Snapshot

# Snapshot.features spells names with "_" or "-"; the catalog's Feature values use "-".
MRA = "mra"  # Expressway Mobile and Remote Access in use (§6: CN clash matters)


@dataclass(frozen=True)
class CheckContext:
    snapshot: Snapshot
    now: datetime
    warn_days: int

    @property
    def warn_window(self) -> timedelta:
        return timedelta(days=self.warn_days)

    def reachable(self) -> Iterator[NodeSnapshot]:
        """Nodes that were read; unreachable ones get a single node-unreachable finding."""
        return (n for n in self.snapshot.nodes if n.reachable)

    def has_feature(self, name: str) -> bool:
        wanted = _spelling(name)
        return any(_spelling(f) == wanted for f in self.snapshot.features)

    def catalog_features(self) -> frozenset[Feature]:
        known = {f.value: f for f in Feature}
        return frozenset(known[s] for s in map(_spelling, self.snapshot.features) if s in known)

    def finding(
        self,
        code: str,
        severity: Severity,
        node: str | None,
        subject: str,
        message: str,
        fix: str,
    ) -> Finding:
        return Finding(code, severity, self.snapshot.cluster, node, subject, message, fix)


def _spelling(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def catalog_version(snap: NodeSnapshot) -> catalog.Version | None:
    """The node's version for catalog rules, or None when it cannot be read."""
    try:
        return catalog.Version.parse(snap.node.version)
    except VersionError:
        return None
