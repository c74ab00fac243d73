"""New and resolved findings between two checks (pure).

A finding is the same finding from one check to the next when its cluster, node, subject (the
unit, store/file, service or group) and code are: its message and fix may change wording (days
left) without making it new. Notified: every new finding; a resolved one is notified too (it
tells the admin the fix worked, and a finding that comes back later is then new again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FindingKey = tuple[str, str, str, str]  # cluster, node ("" cluster-wide), subject, code


def key_of(finding: Mapping[str, Any]) -> FindingKey:
    """The identity of a finding in `findings_to_json` form."""
    return (
        str(finding["cluster"]),
        str(finding.get("node") or ""),
        str(finding["subject"]),
        str(finding["code"]),
    )


@dataclass(frozen=True)
class Change:
    """What one check found that the previous did not (``new``), and what went away."""

    new: tuple[Mapping[str, Any], ...]
    resolved: tuple[Mapping[str, Any], ...]

    @property
    def any(self) -> bool:
        return bool(self.new or self.resolved)

    def to_json(self) -> dict[str, Any]:
        return {"new": [dict(f) for f in self.new], "resolved": [dict(f) for f in self.resolved]}


def diff(
    known: Mapping[FindingKey, Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]],
    clusters: Iterable[str],
) -> Change:
    """``known``: what was notified (by key); ``current``: this check's findings of
    ``clusters``. A known finding of a cluster not checked now is not resolved."""
    checked = set(clusters)
    now = {key_of(f): f for f in current}
    new = tuple(f for k, f in now.items() if k not in known)
    resolved = tuple(f for k, f in known.items() if k[0] in checked and k not in now)
    return Change(new, resolved)
