"""Values uccert passes between its layers: certs, nodes, snapshots, findings.

Theory of operation: everything here is a frozen dataclass built once and never changed; no
I/O, and nothing of uccert is imported but the catalog, whose vocabulary (`Product`, `Role`,
`KeyAlgorithm`) the model uses as it is.
The shell reads a cluster into a `Snapshot` (one `NodeSnapshot` per node: identity certs,
trust entries, service states, the serials presented on the wire, or the error that kept the
node from being read); `uccert.checks` turns a snapshot into `Finding`s; `to_json` renders
the documented inventory shape.

Invariants enforced on construction: serials are canonical lowercase hex
(`normalize_serial`), times are timezone-aware and stored in UTC.
"""

from uccert.catalog.topology import Product, Role
from uccert.model.certs import (
    CertInfo,
    Distribution,
    TrustEntry,
    UnsupportedCertificateError,
    distribution_of,
    normalize_serial,
)
from uccert.model.cluster import (
    HaNodeState,
    Node,
    NodeSnapshot,
    RedundancyGroup,
    ReplicationState,
    RunState,
    ServiceState,
    Snapshot,
)
from uccert.model.findings import Finding, Severity
from uccert.model.inventory import SCHEMA_VERSION, dumps, findings_to_json, iso_utc, to_json
from uccert.model.plan import (
    Plan,
    PlanTiming,
    PlanWarning,
    Step,
    StepKind,
    Via,
    plan_from_json,
)

__all__ = [
    "SCHEMA_VERSION",
    "CertInfo",
    "Distribution",
    "Finding",
    "HaNodeState",
    "Node",
    "NodeSnapshot",
    "Plan",
    "PlanTiming",
    "PlanWarning",
    "Product",
    "RedundancyGroup",
    "ReplicationState",
    "Role",
    "RunState",
    "ServiceState",
    "Severity",
    "Snapshot",
    "Step",
    "StepKind",
    "TrustEntry",
    "UnsupportedCertificateError",
    "Via",
    "distribution_of",
    "dumps",
    "findings_to_json",
    "iso_utc",
    "normalize_serial",
    "plan_from_json",
    "to_json",
]
