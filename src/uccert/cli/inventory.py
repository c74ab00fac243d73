"""`uccert inventory`: every identity and trust cert of every node, as a table or JSON.

Also the shared reading step of the read commands (`read_snapshots`): load the inventory, pick
the clusters, resolve credentials, and read every cluster at once under one bound.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from uccert.cluster import ClusterClient, snapshot_clusters
from uccert.config import (
    DEFAULT_INVENTORY,
    ClusterConfig,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.model import CertInfo, NodeSnapshot, Snapshot, dumps, to_json

CONCURRENCY = 8
WIDE = 220
EXIT_UNREADABLE = 1

InventoryOption = Annotated[
    Path, typer.Option("--inventory", help="The inventory file (uccert.toml).")
]
ClusterOption = Annotated[
    str | None, typer.Option("--cluster", help="One cluster of the inventory (default: every).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON (schema_version 1).")]


def read_snapshots(
    inventory: Path, cluster: str | None
) -> tuple[tuple[ClusterConfig, ...], tuple[Snapshot, ...]]:
    """The selected clusters and one snapshot of each (ConfigError before anything connects)."""
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = [resolve_credentials(c.credentials, cluster=c.name, prompt=prompt) for c in clusters]
    pins_dir = inv.path.resolve().parent

    async def read() -> tuple[Snapshot, ...]:
        bound = asyncio.Semaphore(CONCURRENCY)
        clients = [
            ClusterClient(c, cr, pins_dir, bound) for c, cr in zip(clusters, creds, strict=True)
        ]
        return await snapshot_clusters(clients)

    return clusters, asyncio.run(read())


def console() -> Console:
    out = Console()
    return out if out.is_terminal else Console(width=WIDE)


def unreadable(snapshots: tuple[Snapshot, ...]) -> list[tuple[str, NodeSnapshot]]:
    return [(s.cluster, n) for s in snapshots for n in s.nodes if n.error is not None]


def report_unreadable(snapshots: tuple[Snapshot, ...]) -> None:
    for cluster, node in unreadable(snapshots):
        print(f"warning: {cluster}/{node.node.name}: not read: {node.error}", file=sys.stderr)
    for snap in snapshots:  # read, but one cert or line of it not
        for node in snap.nodes:
            for warning in node.warnings:
                print(f"warning: {snap.cluster}/{node.node.name}: {warning}", file=sys.stderr)


def _signed(cert: CertInfo) -> str:
    return "self-signed" if cert.self_signed else "CA-signed"


def _row(node: str, cert: CertInfo, where: str, now: datetime) -> list[str]:
    days = (cert.not_after - now).days
    return [
        node,
        where,
        cert.file,
        cert.subject_cn,
        cert.issuer_cn,
        _signed(cert),
        cert.distribution.value,
        f"{cert.key_type.value} {cert.key_bits}",
        cert.serial,
        cert.not_after.strftime("%Y-%m-%d"),
        str(days),
    ]


def _table(title: str, rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for header in (
        "node",
        "unit/store",
        "file",
        "CN",
        "issuer",
        "signed",
        "distribution",
        "key",
        "serial",
        "not after",
        "days left",
    ):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def identity_table(snap: Snapshot, now: datetime | None = None) -> Table:
    """The identity certificates of one cluster's readable nodes."""
    at = now or datetime.now(UTC)
    rows = [
        _row(n.node.name, c, c.unit, at) for n in snap.nodes if not n.error for c in n.identities
    ]
    return _table(f"{snap.cluster}: identity certificates", rows)


def render(snapshots: tuple[Snapshot, ...], now: datetime) -> None:
    out = console()
    for snap in snapshots:
        nodes = [n for n in snap.nodes if n.error is None]
        out.print(f"cluster {snap.cluster}")
        for n in snap.nodes:
            status = f"not read: {n.error}" if n.error else f"version {n.node.version}"
            out.print(
                f"  {n.node.name} {n.node.fqdn} {n.node.product.value} {n.node.role.value} "
                f"— {status}",
                highlight=False,
            )
        trusts = [_row(n.node.name, t.cert, t.store, now) for n in nodes for t in n.trusts]
        out.print(identity_table(snap, now))
        out.print(_table(f"{snap.cluster}: trust certificates", trusts))


def inventory(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every identity and trust certificate of every node."""
    _, snapshots = read_snapshots(inventory, cluster)
    if json_out:
        sys.stdout.write(dumps(to_json(snapshots)))
    else:
        render(snapshots, datetime.now(UTC))
    report_unreadable(snapshots)
    if unreadable(snapshots):
        raise typer.Exit(EXIT_UNREADABLE)
