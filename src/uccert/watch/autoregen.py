"""Which units `uccert watch --auto-regen` regenerates after a check (pure).

Only the units the admin named, only where the check found them expiring or expired (past the
warn threshold), one cluster at a time. CA-signed units are left to the planner, which refuses
them as `regen apply` does (their fix is a new CSR, not a self-signed replacement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

EXPIRY_CODES: Final = frozenset({"identity-expiring", "identity-expired"})


@dataclass(frozen=True)
class RegenTarget:
    """One cluster's regeneration: its units (catalog order kept by the caller) and nodes."""

    cluster: str
    units: tuple[str, ...]
    nodes: tuple[str, ...]


def regen_targets(
    findings: Iterable[Mapping[str, Any]], units: Iterable[str]
) -> tuple[RegenTarget, ...]:
    """The clusters with an expiring or expired identity among ``units``."""
    wanted = tuple(units)
    spelled = {u.lower(): u for u in wanted}  # a node may print a unit in another case
    by_cluster: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for f in findings:
        unit = spelled.get(str(f["subject"]).lower())
        if f["code"] not in EXPIRY_CODES or unit is None or not f.get("node"):
            continue
        found_units, found_nodes = by_cluster.setdefault(str(f["cluster"]), ({}, {}))
        found_units[unit] = None
        found_nodes[str(f["node"])] = None
    return tuple(
        RegenTarget(cluster, tuple(u for u in wanted if u in us), tuple(ns))
        for cluster, (us, ns) in by_cluster.items()
    )
