"""`ClusterClient`: one cluster's nodes, discovered and read concurrently, as one `Snapshot`.

An error reading one node (unreachable, refused login, unpinned host key, a command that
failed) becomes that node's ``error`` and never stops the others; when the publisher itself
cannot be asked for the node list, the snapshot holds just the publisher, with the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from uccert.cluster.cli_reader import read_node_cli
from uccert.cluster.discovery import DiscoveredNode, discover_over_cli
from uccert.cluster.targets import NodeTargets
from uccert.config import ClusterConfig, ClusterCredentials
from uccert.errors import UccertError
from uccert.model import Node, NodeSnapshot, Product, Role, Snapshot

DEFAULT_CONCURRENCY = 8
UNKNOWN_VERSION = ""


def _bound(concurrency: int | asyncio.Semaphore) -> asyncio.Semaphore:
    if isinstance(concurrency, asyncio.Semaphore):
        return concurrency
    if concurrency < 1:
        raise ValueError(f"concurrency must be 1 or more, got {concurrency}")
    return asyncio.Semaphore(concurrency)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UccertError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out — check that the node is up, or raise timing.command_timeout"
    return f"{type(exc).__name__}: {exc} — check the node and run the command again"


class ClusterClient:
    """Reads one inventory cluster. ``concurrency`` bounds the nodes read at once (an int, or
    a semaphore shared with other clusters)."""

    def __init__(
        self,
        cluster_config: ClusterConfig,
        credentials: ClusterCredentials,
        pins_dir: Path,
        concurrency: int | asyncio.Semaphore = DEFAULT_CONCURRENCY,
    ) -> None:
        self.config = cluster_config
        self.targets = NodeTargets(cluster_config, credentials, pins_dir)
        self._bound = _bound(concurrency)

    async def discover(self) -> tuple[DiscoveredNode, ...]:
        """The cluster's nodes, from the CUCM publisher."""
        name, fqdn = self.targets.publisher_name(), self.config.publisher
        async with self._bound, self.targets.cli_session(name, fqdn) as session:
            return await discover_over_cli(session)

    async def read_node(self, node: DiscoveredNode, fqdns: Iterable[str]) -> NodeSnapshot:
        """One node; any failure is the returned snapshot's ``error``."""
        try:
            async with self._bound, self.targets.cli_session(node.name, node.fqdn) as session:
                return await read_node_cli(session, node, fqdns)
        except (UccertError, OSError, TimeoutError) as exc:
            return NodeSnapshot(
                Node(node.name, node.fqdn, node.product, node.role, UNKNOWN_VERSION),
                error=_reason(exc),
            )

    async def snapshot(self) -> Snapshot:
        taken_at = datetime.now(UTC)
        try:
            nodes = await self.discover()
        except (UccertError, OSError, TimeoutError) as exc:
            name = self.targets.publisher_name()
            publisher = Node(
                name, self.config.publisher, Product.CUCM, Role.PUBLISHER, UNKNOWN_VERSION
            )
            error = f"cannot list the cluster's nodes: {_reason(exc)}"
            return Snapshot(self.config.name, taken_at, (NodeSnapshot(publisher, error=error),))
        fqdns = tuple(n.fqdn for n in nodes)
        read = await asyncio.gather(*(self.read_node(n, fqdns) for n in nodes))
        return Snapshot(self.config.name, taken_at, tuple(read))


async def snapshot_clusters(
    clients: Iterable[ClusterClient],
) -> tuple[Snapshot, ...]:
    """Every cluster at once (their clients share a bound when built with one semaphore)."""
    return tuple(await asyncio.gather(*(c.snapshot() for c in clients)))
