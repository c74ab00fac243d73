"""Which nodes a cluster has: AXL ``listProcessNode`` on the CUCM publisher, with the Presence
Redundancy Groups from ``listPresenceRedundancyGroup``; else (AXL failed) ``show network
cluster`` on the publisher over SSH (any version, no groups).

AXL is spoken in the publisher's own major schema (10.0 ... 15.0): a publisher refuses a schema
newer than itself, and from 15 Cisco removes the schemas of the N-3 major releases
(https://developer.cisco.com/web/axl-developer/axl-versioning), so no single schema reaches
every release. The client asks ``getCCMVersion`` in the newest schema and, refused (HTTP 599
"Incorrect axl version", or a fault), in the next older one the refusal lists, then speaks the
newest schema not newer than the publisher (the Presence Redundancy Group requests exist since
10.0).

Either way the nodes are a tuple of :class:`DiscoveredNode`, CUCM publisher first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import httpx

from uccert.errors import ClusterError
from uccert.model import Product, RedundancyGroup, Role
from uccert.protocols import (
    AxlFault,
    ClusterNodeLine,
    PresenceRedundancyGroup,
    ProcessNode,
    parse_network_cluster,
    schema_listed,
)
from uccert.protocols import cli_commands as cli
from uccert.transport import AdminCliSession, AxlClient, AxlVersionRefused, HttpStatusError

# The AXL schemas spoken, oldest first (there is no 13): each publisher is asked in its own.
AXL_SCHEMAS: Final = ("10.0", "10.5", "11.0", "11.5", "12.0", "12.5", "14.0", "15.0")
AXL_SCHEMA: Final = AXL_SCHEMAS[-1]


@dataclass(frozen=True)
class DiscoveredNode:
    name: str
    fqdn: str
    product: Product
    role: Role


def _role(line: ClusterNodeLine) -> Role:
    # The Publisher column marks the CUCM publisher; IM/P's database publisher says DBPub.
    is_pub = line.publisher if line.product is Product.CUCM else line.db_publisher
    return Role.PUBLISHER if is_pub else Role.SUBSCRIBER


def nodes_from_lines(lines: tuple[ClusterNodeLine, ...]) -> tuple[DiscoveredNode, ...]:
    found = [DiscoveredNode(line.host, line.fqdn, line.product, _role(line)) for line in lines]
    return tuple(sorted(found, key=_order))


def _order(node: DiscoveredNode) -> tuple[int, int]:
    return (0 if node.product is Product.CUCM else 1, 0 if node.role is Role.PUBLISHER else 1)


async def discover_over_cli(session: AdminCliSession) -> tuple[DiscoveredNode, ...]:
    """The cluster's nodes as the publisher's ``show network cluster`` lists them."""
    return nodes_from_lines(parse_network_cluster(await session.run(cli.SHOW_NETWORK_CLUSTER)))


def _short_name(fqdn: str) -> str:
    """A node's CUCM name from the FQDN AXL lists (an address stays whole)."""
    if fqdn.replace(".", "").isdigit() or ":" in fqdn:
        return fqdn
    return fqdn.split(".", 1)[0]


def nodes_from_axl(
    process_nodes: tuple[ProcessNode, ...], known: Iterable[str] = ()
) -> tuple[DiscoveredNode, ...]:
    """AXL's process nodes; a name in ``known`` (inventory overrides) is kept whole."""
    names = set(known)
    found = []
    for p in process_nodes:
        name = p.name if p.name in names else _short_name(p.name)
        role = Role.PUBLISHER if p.node_usage.lower() == "publisher" else Role.SUBSCRIBER
        found.append(DiscoveredNode(name, p.name, Product(p.role), role))
    return tuple(sorted(found, key=_order))


def groups_from_axl(
    groups: tuple[PresenceRedundancyGroup, ...], nodes: tuple[DiscoveredNode, ...]
) -> tuple[RedundancyGroup, ...]:
    """Groups with their servers as node names (a server AXL names but discovery lacks stays
    as AXL gives it); a group without a first server is left out."""
    by_fqdn = {n.fqdn.lower(): n.name for n in nodes}

    def name(server: str) -> str:
        return by_fqdn.get(server.lower(), server)

    return tuple(
        RedundancyGroup(
            g.name, name(g.server1), name(g.server2) if g.server2 else None, g.ha_enabled
        )
        for g in groups
        if g.server1
    )


async def discover_over_axl(
    axl_http: httpx.AsyncClient, known: Iterable[str] = ()
) -> tuple[tuple[DiscoveredNode, ...], tuple[RedundancyGroup, ...]]:
    """Nodes and groups from the publisher's AXL (raises when AXL cannot answer)."""
    axl = await axl_client(axl_http)
    nodes = nodes_from_axl(await axl.list_process_nodes(), known)
    if not any(n.product is Product.CUCM and n.role is Role.PUBLISHER for n in nodes):
        raise AxlTooOld("AXL: listProcessNode names no CUCM publisher")
    groups = groups_from_axl(await axl.list_groups(), nodes)
    return nodes, groups


class AxlTooOld(ClusterError):
    """AXL answered, but not usefully for discovery."""


def schema_for(version: str) -> str:
    """The newest AXL schema a publisher of ``version`` understands (AxlTooOld before 10.0)."""
    spoken = [s for s in AXL_SCHEMAS if _major_minor(s) <= _major_minor(version)]
    if not spoken:
        raise AxlTooOld(f"AXL: the publisher runs {version}, before {AXL_SCHEMAS[0]}")
    return spoken[-1]


def next_schemas(tried: Iterable[str], listed: tuple[str, ...]) -> tuple[str, ...]:
    """The schemas still to try, newest first: those the refusal listed when it listed any."""
    done = set(tried)
    left = [s for s in reversed(AXL_SCHEMAS) if s not in done]
    if listed:
        return tuple(s for s in left if schema_listed(s, listed))
    return tuple(left)


async def negotiate(axl_http: httpx.AsyncClient) -> tuple[AxlClient, str]:
    """An AXL client in the publisher's own schema, and the publisher's version."""
    tried: list[str] = []
    candidates: tuple[str, ...] = tuple(reversed(AXL_SCHEMAS))
    refusal: Exception | None = None
    while candidates:
        schema = candidates[0]
        tried.append(schema)
        try:
            version = await AxlClient(axl_http, schema).ccm_version()
        except AxlVersionRefused as exc:
            refusal = exc
            candidates = next_schemas(tried, exc.supported)
            continue
        except (AxlFault, HttpStatusError) as exc:
            refusal = exc
            candidates = next_schemas(tried, ())
            continue
        return AxlClient(axl_http, schema_for(version)), version
    raise AxlTooOld(
        f"AXL: the publisher refused every schema uccert speaks ({', '.join(tried)}): {refusal}"
    )


async def axl_client(axl_http: httpx.AsyncClient) -> AxlClient:
    """An AXL client in the publisher's own schema (see :func:`negotiate`)."""
    return (await negotiate(axl_http))[0]


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return (0, 0)


def major_version(version: str) -> int:
    """``14`` for ``14.0.1.10000-20`` (0 when unreadable)."""
    return _major_minor(version)[0]
