"""What the exporter serves, as pure data: a cluster's state after each read, and its samples.

Theory of operation
===================

The exporter keeps one `ClusterState` per cluster. `advance` folds a `ReadResult` into it: a
good read (at least one node read) replaces the certs, findings and HA groups, except for the
nodes that this read could not reach, whose last good certs are kept (and their read-success
is 0); a failed read keeps everything of the last good read and only sets read-success to 0.
`samples` turns the states (and the last run of each cluster) into `Sample` rows of the
`FAMILIES` below, every one a gauge; nothing here reads a clock, a file or the network.

Labels are bounded by the inventory: cluster, node, unit or store, file, CNs, a finding's code
and severity; never a serial or a fingerprint, so a regeneration replaces a series instead of
adding one. Names follow the x509-certificate-exporter (``x509_cert_not_after``, labels
``subject_CN`` and ``issuer_CN``) and cert-manager (``*_timestamp_seconds``, a status as one
series per value). docs/metrics.md documents them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from uccert.checks import run_checks
from uccert.model import CertInfo, Finding, NodeSnapshot, Snapshot
from uccert.run import RunStatus, RunSummary


@dataclass(frozen=True)
class Family:
    """One metric family: a gauge with a fixed set of label names."""

    name: str
    help: str
    labels: tuple[str, ...]


CERT_LABELS = (
    "cluster",
    "node",
    "kind",  # identity | trust
    "unit",  # the identity unit (tomcat, cup-xmpp, ...); empty for a trust cert
    "store",  # the trust store (tomcat-trust, ...); empty for an identity cert
    "file",
    "subject_CN",
    "issuer_CN",
    "signed",  # self | ca
)

NOT_AFTER = Family(
    "uccert_cert_not_after_timestamp_seconds",
    "The certificate's not-after (expiry) time, in Unix seconds.",
    CERT_LABELS,
)
NOT_BEFORE = Family(
    "uccert_cert_not_before_timestamp_seconds",
    "The certificate's not-before time, in Unix seconds.",
    CERT_LABELS,
)
FINDINGS = Family(
    "uccert_findings",
    "Findings of `uccert check` at the last good read, by node (empty: cluster-wide), code "
    "and severity.",
    ("cluster", "node", "code", "severity"),
)
HA_ENABLED = Family(
    "uccert_ha_enabled",
    "1 when the Presence Redundancy Group has High Availability enabled, else 0.",
    ("cluster", "group"),
)
NODE_READ = Family(
    "uccert_node_read_success",
    "1 when the node was read at the last read of its cluster, else 0 (its certs are then "
    "those of its last good read).",
    ("cluster", "node"),
)
NODE_WARNINGS = Family(
    "uccert_node_read_warnings",
    "How many certs or lines of the node could not be read at the last good read.",
    ("cluster", "node"),
)
READ_SUCCESS = Family(
    "uccert_cluster_read_success",
    "1 when the last read of the cluster succeeded, else 0 (the last good values are kept).",
    ("cluster",),
)
READ_DURATION = Family(
    "uccert_cluster_read_duration_seconds",
    "How long the last read of the cluster took.",
    ("cluster",),
)
LAST_SUCCESS = Family(
    "uccert_cluster_last_success_timestamp_seconds",
    "When the last good read of the cluster ended, in Unix seconds.",
    ("cluster",),
)
LAST_RUN_STATUS = Family(
    "uccert_last_run_status",
    "The status of the cluster's latest durable run (regen apply, upload, trust prune): 1 for "
    "its status, 0 for the others.",
    ("cluster", "status"),
)
LAST_RUN_START = Family(
    "uccert_last_run_start_timestamp_seconds",
    "When the cluster's latest durable run started, in Unix seconds.",
    ("cluster",),
)
LAST_RUN_END = Family(
    "uccert_last_run_end_timestamp_seconds",
    "When the cluster's latest durable run ended (succeeded, failed or cancelled), in Unix "
    "seconds; no series while it runs or is interrupted.",
    ("cluster",),
)

FAMILIES: tuple[Family, ...] = (
    NOT_AFTER,
    NOT_BEFORE,
    FINDINGS,
    HA_ENABLED,
    NODE_READ,
    NODE_WARNINGS,
    READ_SUCCESS,
    READ_DURATION,
    LAST_SUCCESS,
    LAST_RUN_STATUS,
    LAST_RUN_START,
    LAST_RUN_END,
)


@dataclass(frozen=True)
class Sample:
    """One series: label values in the order of ``family.labels``."""

    family: Family
    labels: tuple[str, ...]
    value: float

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.family.labels):
            raise ValueError(
                f"{self.family.name} takes {len(self.family.labels)} label values, "
                f"got {len(self.labels)}"
            )


@dataclass(frozen=True)
class ReadResult:
    """One read of one cluster: its snapshot, or why there is none."""

    cluster: str
    snapshot: Snapshot | None
    error: str | None
    duration: float  # seconds
    finished: datetime


@dataclass(frozen=True)
class ClusterState:
    """What the exporter knows of a cluster. ``snapshot`` is the last good one (with the
    nodes ``unread`` at the last read carried over from earlier reads); ``error`` says why
    the last read failed."""

    cluster: str
    snapshot: Snapshot | None
    findings: tuple[Finding, ...]
    success: bool
    duration: float
    last_success: datetime | None
    unread: frozenset[str] = frozenset()
    error: str | None = None


def read_succeeded(snapshot: Snapshot) -> bool:
    """A read is good when at least one node was read (a cluster whose publisher cannot list
    its nodes comes back as that one node, with an error)."""
    return any(n.reachable for n in snapshot.nodes)


def _carry_forward(previous: Snapshot | None, current: Snapshot) -> Snapshot:
    """`current`, with each node it could not read replaced by its last good read."""
    if previous is None:
        return current
    known = {n.node.name: n for n in previous.nodes if n.reachable}
    nodes = tuple(
        n if n.reachable or n.node.name not in known else known[n.node.name] for n in current.nodes
    )
    return replace(current, nodes=nodes)


def advance(previous: ClusterState | None, read: ReadResult, warn_days: int) -> ClusterState:
    """The cluster's state after `read` (see the module's docstring)."""
    snap = read.snapshot
    if snap is not None and read_succeeded(snap):
        return ClusterState(
            cluster=read.cluster,
            snapshot=_carry_forward(previous.snapshot if previous else None, snap),
            findings=run_checks(snap, read.finished, warn_days),
            success=True,
            duration=read.duration,
            last_success=read.finished,
            unread=frozenset(n.node.name for n in snap.nodes if not n.reachable),
        )
    error = read.error
    if error is None and snap is not None:
        error = next((n.error for n in snap.nodes if n.error), "no node could be read")
    if previous is None:
        return ClusterState(read.cluster, None, (), False, read.duration, None, error=error)
    return replace(previous, success=False, duration=read.duration, error=error)


def last_runs(runs: Iterable[RunSummary]) -> dict[str, RunSummary]:
    """Cluster -> its latest run (by start time)."""
    latest: dict[str, RunSummary] = {}
    for run in runs:
        seen = latest.get(run.cluster)
        if seen is None or run.started >= seen.started:
            latest[run.cluster] = run
    return latest


def _cert_labels(cluster: str, node: str, kind: str, cert: CertInfo, store: str) -> tuple[str, ...]:
    unit = cert.unit if kind == "identity" else ""
    signed = "self" if cert.self_signed else "ca"
    return (cluster, node, kind, unit, store, cert.file, cert.subject_cn, cert.issuer_cn, signed)


def _certs(cluster: str, node: NodeSnapshot) -> Iterable[tuple[tuple[str, ...], CertInfo]]:
    name = node.node.name
    for cert in node.identities:
        yield _cert_labels(cluster, name, "identity", cert, ""), cert
    for trust in node.trusts:
        yield _cert_labels(cluster, name, "trust", trust.cert, trust.store), trust.cert


def _cert_samples(cluster: str, snapshot: Snapshot) -> list[Sample]:
    # Two certs with the same labels would be one series twice, which Prometheus rejects: keep
    # the one that expires first, the one an alert must see.
    chosen: dict[tuple[str, ...], CertInfo] = {}
    for node in snapshot.nodes:
        for labels, cert in _certs(cluster, node):
            seen = chosen.get(labels)
            if seen is None or cert.not_after < seen.not_after:
                chosen[labels] = cert
    out: list[Sample] = []
    for labels, cert in sorted(chosen.items()):
        out.append(Sample(NOT_AFTER, labels, cert.not_after.timestamp()))
        out.append(Sample(NOT_BEFORE, labels, cert.not_before.timestamp()))
    return out


def _finding_samples(cluster: str, findings: Iterable[Finding]) -> list[Sample]:
    counts: dict[tuple[str, ...], int] = {}
    for f in findings:
        key = (cluster, f.node or "", f.code, f.severity.value)
        counts[key] = counts.get(key, 0) + 1
    return [Sample(FINDINGS, key, float(n)) for key, n in sorted(counts.items())]


def _cluster_samples(state: ClusterState) -> list[Sample]:
    c = state.cluster
    out = [
        Sample(READ_SUCCESS, (c,), 1.0 if state.success else 0.0),
        Sample(READ_DURATION, (c,), state.duration),
    ]
    if state.last_success is not None:
        out.append(Sample(LAST_SUCCESS, (c,), state.last_success.timestamp()))
    snap = state.snapshot
    if snap is None:
        return out
    for node in snap.nodes:
        name = node.node.name
        read = state.success and node.reachable and name not in state.unread
        out.append(Sample(NODE_READ, (c, name), 1.0 if read else 0.0))
        out.append(Sample(NODE_WARNINGS, (c, name), float(len(node.warnings))))
    out += _cert_samples(c, snap)
    out += _finding_samples(c, state.findings)
    groups = {g.name: g.ha_enabled for g in snap.groups}
    out += [Sample(HA_ENABLED, (c, g), 1.0 if on else 0.0) for g, on in sorted(groups.items())]
    return out


def _run_samples(cluster: str, run: RunSummary) -> list[Sample]:
    out = [
        Sample(LAST_RUN_STATUS, (cluster, s.value), 1.0 if s is run.status else 0.0)
        for s in RunStatus
    ]
    out.append(Sample(LAST_RUN_START, (cluster,), run.started.timestamp()))
    if run.ended is not None:
        out.append(Sample(LAST_RUN_END, (cluster,), run.ended.timestamp()))
    return out


def samples(
    states: Iterable[ClusterState], runs: Mapping[str, RunSummary] | None = None
) -> tuple[Sample, ...]:
    """Every sample of `states`, and of each of their clusters' last run in `runs`."""
    out: list[Sample] = []
    for state in states:
        out += _cluster_samples(state)
        run = (runs or {}).get(state.cluster)
        if run is not None:
            out += _run_samples(state.cluster, run)
    return tuple(out)
