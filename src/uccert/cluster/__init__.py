"""Reading a cluster: discover its nodes, read every node, and return one `Snapshot`.

Theory of operation: a :class:`ClusterClient` per inventory cluster. ``snapshot()`` first
discovers the nodes (:mod:`.discovery`: AXL ``listProcessNode`` when the HTTP side is there,
else ``show network cluster`` on the CUCM publisher over SSH), then reads every node at once,
at most ``concurrency`` at a time (:mod:`.rest_reader`: REST ``snapshot/server`` on 14 and
later unless ``prefer_rest=False``, else :mod:`.cli_reader`; services always over the CLI).
A node that cannot be read becomes a `NodeSnapshot` with ``error`` set; the others are still
read. :func:`snapshot_clusters` reads several clusters under one shared bound.

:class:`ClusterOps` (:mod:`.operations`) is the executor's hands: one action or observation on
one node at a time (identity, regenerate, service_status, control, wait_started, groups,
set_ha, trusts, delete/import trust, and ``presented``: what a listener shows on the wire).

Connections are built in one place (:mod:`.targets`): addresses and ports from the inventory's
node overrides, SSH host keys pinned in ``known_hosts`` next to the inventory, passwords from
`uccert.config` (never in argv, logs or messages).
"""

from uccert.cluster.client import ClusterClient, fleet_bound, snapshot_clusters
from uccert.cluster.csr import CsrOperationFailed, apply_upload, generate_csr, read_pending_csrs
from uccert.cluster.discovery import DiscoveredNode
from uccert.cluster.doctor import Check, Doctor, all_ok
from uccert.cluster.doctor_record import write_record
from uccert.cluster.operations import (
    Action,
    ClusterOps,
    OperationFailed,
    OperationTransient,
    ServiceFailed,
    ServiceStatus,
)
from uccert.cluster.sessions import NodeSessions
from uccert.cluster.targets import AXL_PORT, REST_PORT, SSH_PORT, NodeTargets
from uccert.cluster.verify_wire import verify_on_wire

__all__ = [
    "AXL_PORT",
    "REST_PORT",
    "SSH_PORT",
    "Action",
    "Check",
    "ClusterClient",
    "ClusterOps",
    "CsrOperationFailed",
    "DiscoveredNode",
    "Doctor",
    "NodeSessions",
    "NodeTargets",
    "OperationFailed",
    "OperationTransient",
    "ServiceFailed",
    "ServiceStatus",
    "all_ok",
    "apply_upload",
    "fleet_bound",
    "generate_csr",
    "read_pending_csrs",
    "snapshot_clusters",
    "verify_on_wire",
    "write_record",
]
