"""`uccert check`: what is wrong with each cluster's certificates, grouped by node, each with
its fix. Exit 1 when a node could not be read, else 3 when any finding is a warning or an
error, else 0."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

import typer

from uccert.checks import exit_code_for, run_checks
from uccert.config import DEFAULT_INVENTORY
from uccert.model import Finding, dumps, findings_to_json

from .inventory import ClusterOption, InventoryOption, JsonOption, read_snapshots

CLUSTER_WIDE = "(cluster)"


def render(findings: Iterable[Finding]) -> str:
    """Findings grouped by cluster and node (cluster-wide ones under ``(cluster)``)."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.cluster, f.node or CLUSTER_WIDE), []).append(f)
    if not groups:
        return "no problems found\n"
    lines: list[str] = []
    for (cluster, node), found in groups.items():
        lines.append(f"{cluster}/{node}:")
        for f in found:
            lines.append(f"  {f.severity.value:<7} {f.code} {f.subject}: {f.message}")
            lines.append(f"          fix: {f.fix}")
    counts = {
        s: sum(1 for g in groups.values() for f in g if f.severity.value == s)
        for s in ("error", "warning", "info")
    }
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"


def check(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
    warn_days: Annotated[
        int | None,
        typer.Option(
            "--warn-days", min=0, help="Expiry warning window (default: the inventory's)."
        ),
    ] = None,
) -> None:
    """Check every node's certificates; exit 3 when a warning or an error is found, 1 when a
    node could not be read."""
    clusters, snapshots = read_snapshots(inventory, cluster)
    now = datetime.now(UTC)
    findings: list[Finding] = []
    for config, snap in zip(clusters, snapshots, strict=True):
        days = warn_days if warn_days is not None else config.thresholds.warn_days
        findings.extend(run_checks(snap, now, days))
    findings.sort(key=Finding.sort_key)
    if json_out:
        sys.stdout.write(dumps(findings_to_json(findings)))
    else:
        sys.stdout.write(render(findings))
    raise typer.Exit(exit_code_for(findings))
