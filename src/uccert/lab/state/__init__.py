"""A pure model of a CUCM + IM and Presence cluster: the lab's state (no I/O, own tables).

Contract: docs/lab-state-api.md. Imports nothing of the client side (``uccert.catalog`` ...).
"""

from uccert.lab.state.certs import OwnCert, TrustCert
from uccert.lab.state.errors import LabCommandError, TopologyError
from uccert.lab.state.events import Event
from uccert.lab.state.faults import Fault, FaultKind
from uccert.lab.state.ha import GroupView
from uccert.lab.state.keys import InMemoryKeySource, KeySource, PrivateKey
from uccert.lab.state.lab import Lab
from uccert.lab.state.services import ServiceView
from uccert.lab.state.topology import (
    DEFAULT_DOMAIN,
    GroupSpec,
    NodeSpec,
    Topology,
    load_topology,
    preset,
    without_dns,
)

__all__ = [
    "DEFAULT_DOMAIN",
    "Event",
    "Fault",
    "FaultKind",
    "GroupSpec",
    "GroupView",
    "InMemoryKeySource",
    "KeySource",
    "Lab",
    "LabCommandError",
    "NodeSpec",
    "OwnCert",
    "PrivateKey",
    "ServiceView",
    "Topology",
    "TopologyError",
    "TrustCert",
    "load_topology",
    "preset",
    "without_dns",
]
