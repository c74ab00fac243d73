"""Which nodes a cluster has: ``show network cluster`` on the CUCM publisher (any version).

AXL ``listProcessNode`` (when the HTTP transport is installed) gives the same list; either way
the result is a tuple of :class:`DiscoveredNode`, CUCM publisher first.
"""

from __future__ import annotations

from dataclasses import dataclass

from uccert.model import Product, Role
from uccert.protocols import ClusterNodeLine, NodeProduct, parse_network_cluster
from uccert.protocols import cli_commands as cli
from uccert.transport import AdminCliSession


@dataclass(frozen=True)
class DiscoveredNode:
    name: str
    fqdn: str
    product: Product
    role: Role


def _role(line: ClusterNodeLine) -> Role:
    # The Publisher column marks the CUCM publisher; IM/P's database publisher says DBPub.
    is_pub = line.publisher if line.product is NodeProduct.CUCM else line.db_publisher
    return Role.PUBLISHER if is_pub else Role.SUBSCRIBER


def nodes_from_lines(lines: tuple[ClusterNodeLine, ...]) -> tuple[DiscoveredNode, ...]:
    found = [
        DiscoveredNode(line.host, line.fqdn, Product(line.product.value), _role(line))
        for line in lines
    ]
    return tuple(sorted(found, key=_order))


def _order(node: DiscoveredNode) -> tuple[int, int]:
    return (0 if node.product is Product.CUCM else 1, 0 if node.role is Role.PUBLISHER else 1)


async def discover_over_cli(session: AdminCliSession) -> tuple[DiscoveredNode, ...]:
    """The cluster's nodes as the publisher's ``show network cluster`` lists them."""
    return nodes_from_lines(parse_network_cluster(await session.run(cli.SHOW_NETWORK_CLUSTER)))
