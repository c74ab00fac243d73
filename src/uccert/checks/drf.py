"""§1: DRF Master keeps the DRF certs of the nodes it serves as they were when it started
(drf-restart-pending): a DRF cert newer than its start means backups of that node fail until
DRF Master restarts. Which cert DRF uses (ipsec, tomcat from 14) and which node's DRF Master
serves a node (the CUCM publisher from 10.0) come from the catalog. The start time is Control
Center's, read with the snapshot."""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Iterator

from uccert import catalog
from uccert.checks.context import CheckContext, catalog_version
from uccert.model import Finding, NodeSnapshot, RunState, Severity


def _served_by(host: NodeSnapshot, node: NodeSnapshot) -> bool:
    version = catalog_version(node)
    if version is None:
        return False
    where = catalog.drf_master_host(node.node.product, version)
    return where == (host.node.product, host.node.role)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for host in ctx.reachable():
        master = next((s for s in host.services if s.name in catalog.DRF_MASTER_NAMES), None)
        if master is None or master.state is not RunState.STARTED or master.started_at is None:
            continue
        for node in ctx.reachable():
            version = catalog_version(node)
            if version is None or not _served_by(host, node):
                continue
            unit = catalog.drf_certificate(version)
            cert = node.identity(unit)
            if cert is None or cert.not_before <= master.started_at:
                continue
            name = host.node.name
            yield ctx.finding(
                "drf-restart-pending",
                Severity.WARNING,
                name,
                node.node.name,
                f"{name}: {master.name} started {master.started_at:%Y-%m-%d %H:%M:%S} UTC, "
                f"before {node.node.name}'s DRF cert ({unit}, DRF's cert on {version}) changed "
                f"at {cert.not_before:%Y-%m-%d %H:%M:%S} UTC: backups of {node.node.name} fail",
                f"on {name}: `utils service restart {master.name}`, then `utils service restart "
                f"Cisco DRF Local` on {node.node.name} (HA off first on IM/P)",
            )
