"""A cluster as observed at one moment: nodes, their certs and services, HA groups.

Run states are the model's own vocabulary; a node's product and role are the catalog's
(`uccert.catalog.topology`), so the procedure's tables take a node's fields as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from uccert.catalog import Product, Role
from uccert.model.certs import CertInfo, TrustEntry, normalize_serial


class RunState(StrEnum):
    STARTED = "Started"
    STOPPED = "Stopped"
    STARTING = "Starting"
    STOPPING = "Stopping"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class ServiceState:
    """One service on one node; `presented_serial` is the serial it shows on the wire, if
    probed."""

    name: str
    state: RunState
    activated: bool = True
    reason: str | None = None
    presented_serial: str | None = None
    started_at: datetime | None = None  # Control Center's start time (UTC), where it was read

    def __post_init__(self) -> None:
        if self.presented_serial is not None:
            object.__setattr__(self, "presented_serial", normalize_serial(self.presented_serial))


@dataclass(frozen=True)
class Node:
    name: str
    fqdn: str
    product: Product
    role: Role
    version: str


@dataclass(frozen=True)
class RedundancyGroup:
    """A Presence Redundancy Group: two IM/P nodes and its "Enable High Availability" flag."""

    name: str
    server1: str
    server2: str | None
    ha_enabled: bool


@dataclass(frozen=True)
class HaNodeState:
    """One node's High Availability state in its Presence Redundancy Group, as ``utils ha
    status`` prints it (``host``: the host name it prints)."""

    group: str
    host: str
    state: str
    reason: str | None = None


@dataclass(frozen=True)
class ReplicationState:
    """One node's database replication as ``utils dbreplication runtimestate`` lists it on a
    publisher (``host``: the host name it prints; ``state``: Replicate_State, 2 = good)."""

    host: str
    state: int
    details: str = ""


def _frozen_serials(presented: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({unit: normalize_serial(s) for unit, s in presented.items()})


@dataclass(frozen=True)
class NodeSnapshot:
    """What one node showed. `presented`: unit -> serial seen on the wire (probed units only).
    `error` is set (and the rest empty) when the node could not be read; ``pin_error``: because
    its SSH host key or TLS cert is not the pinned one (or the pins could not be read).
    `warnings` name what of a readable node could not be read (one cert, one line), each with
    its reason."""

    node: Node
    identities: tuple[CertInfo, ...] = ()
    trusts: tuple[TrustEntry, ...] = ()
    services: tuple[ServiceState, ...] = ()
    presented: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    error: str | None = None
    warnings: tuple[str, ...] = ()
    ha_states: tuple[HaNodeState, ...] = ()  # every group's nodes, as read on this node
    replication: tuple[ReplicationState, ...] = ()  # its product's nodes, read on a publisher
    pin_error: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "presented", _frozen_serials(self.presented))

    @property
    def reachable(self) -> bool:
        return self.error is None

    def identity(self, unit: str) -> CertInfo | None:
        return next((c for c in self.identities if c.unit == unit), None)

    def trusts_in(self, store: str) -> tuple[TrustEntry, ...]:
        return tuple(t for t in self.trusts if t.store == store)


@dataclass(frozen=True)
class Snapshot:
    """One cluster at `taken_at`. `features`: e.g. {"sip_federation", "xmpp_federation",
    "sso", "mra"}."""

    cluster: str
    taken_at: datetime
    nodes: tuple[NodeSnapshot, ...] = ()
    groups: tuple[RedundancyGroup, ...] = ()
    features: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.taken_at.tzinfo is None or self.taken_at.utcoffset() is None:
            raise ValueError(f"taken_at must be timezone-aware, got {self.taken_at.isoformat()}")
        object.__setattr__(self, "taken_at", self.taken_at.astimezone(UTC))
        object.__setattr__(self, "features", frozenset(self.features))

    @property
    def ha_states(self) -> tuple[HaNodeState, ...]:
        """The groups' node states as the first node that reported them printed them."""
        return next((n.ha_states for n in self.nodes if n.ha_states), ())

    @property
    def replication(self) -> tuple[ReplicationState, ...]:
        """Every node's replication as the publishers (CUCM, IM/P) listed it."""
        return tuple(r for n in self.nodes for r in n.replication)

    def publisher(self, product: Product) -> NodeSnapshot | None:
        return next(
            (n for n in self.nodes if n.node.product is product and n.node.role is Role.PUBLISHER),
            None,
        )
