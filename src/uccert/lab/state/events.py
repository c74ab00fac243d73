"""The lab's event log entries: append-only, ``seq`` from 1, ``t`` in simulated seconds.

Kinds and their data (lowercase hex serials, no separators):

- ``cert-regenerated {unit, old_serial, new_serial}``
- ``service-state {service, state, via[, reason]}`` with state Stopping|Stopped|Starting|Started
- ``ha-changed {group, enabled}`` (node = the CUCM publisher, where the flag lives)
- ``failover {group, from_node, to_node[, via]}`` (node = from_node)
- ``fallback {group, via}`` (node = the node whose users return to it)
- ``trust-deleted {store, file, serial}`` / ``trust-added {store, file, serial}``
- ``cert-uploaded {unit, serial}`` / ``csr-generated {unit}``
- ``backup {failed, via}`` (node = the CUCM publisher; ``failed``: the nodes whose backup failed)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Event:
    seq: int
    t: float
    node: str
    kind: str
    data: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self) -> dict[str, object]:
        return {"seq": self.seq, "t": self.t, "node": self.node, "kind": self.kind, **self.data}


def make_event(seq: int, t: float, node: str, kind: str, **data: object) -> Event:
    """An event whose data cannot be changed after the fact."""
    return Event(seq, t, node, kind, MappingProxyType(dict(data)))
