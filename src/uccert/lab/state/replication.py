"""Database replication per node: good (Replicate_State 2) unless a ``replication-broken``
fault names the node (3, "Replication is bad in the cluster"); the fault is read, never
consumed, so clearing the faults repairs it."""

from __future__ import annotations

from collections.abc import Iterable

from uccert.lab.state.faults import Fault, FaultKind, matches
from uccert.lab.state.tables import Product
from uccert.lab.state.topology import Topology

GOOD, BAD = 2, 3


def rows(topology: Topology, product: Product, faults: Iterable[Fault]) -> list[tuple[str, int]]:
    """Every node of ``product`` with its state. [guess] CUCM nodes list the CUCM nodes and
    IM/P nodes the IM/P nodes (Cisco's guides: for IM/P, run it on the database publisher)."""
    active = list(faults)
    return [
        (
            n.name,
            BAD
            if any(matches(f, FaultKind.REPLICATION_BROKEN, n.name, None) for f in active)
            else GOOD,
        )
        for n in topology.nodes
        if n.product == product
    ]
