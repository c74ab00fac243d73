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

from uccert.catalog import PlanTiming, Product, Role
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
    DeleteTrustStep,
    HaOffStep,
    HaRestoreStep,
    HaStep,
    HaWaitStep,
    ImportTrustStep,
    Plan,
    PlanWarning,
    PreflightStep,
    RegenerateStep,
    RestartStep,
    ServiceStep,
    StartStep,
    Step,
    StepKind,
    StopStep,
    UploadRestartStep,
    VerifyClusterStep,
    VerifyNodeStep,
    VerifyTrustsGoneStep,
    Via,
    plan_from_json,
    step_from_json,
)

__all__ = [
    "SCHEMA_VERSION",
    "CertInfo",
    "DeleteTrustStep",
    "Distribution",
    "Finding",
    "HaNodeState",
    "HaOffStep",
    "HaRestoreStep",
    "HaStep",
    "HaWaitStep",
    "ImportTrustStep",
    "Node",
    "NodeSnapshot",
    "Plan",
    "PlanTiming",
    "PlanWarning",
    "PreflightStep",
    "Product",
    "RedundancyGroup",
    "RegenerateStep",
    "ReplicationState",
    "RestartStep",
    "Role",
    "RunState",
    "ServiceState",
    "ServiceStep",
    "Severity",
    "Snapshot",
    "StartStep",
    "Step",
    "StepKind",
    "StopStep",
    "TrustEntry",
    "UnsupportedCertificateError",
    "UploadRestartStep",
    "VerifyClusterStep",
    "VerifyNodeStep",
    "VerifyTrustsGoneStep",
    "Via",
    "distribution_of",
    "dumps",
    "findings_to_json",
    "iso_utc",
    "normalize_serial",
    "plan_from_json",
    "step_from_json",
    "to_json",
]
