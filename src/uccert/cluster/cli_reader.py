"""Read one node over the admin CLI (every version): certs, trust stores, services, version.

``show cert list own|trust`` names the files, ``show cert own|trust <store>/<file>`` prints each
one with its PEM (the cert is described from the PEM, not from the text), ``utils service
list`` gives the services and ``show version active`` the version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography import x509

from uccert.cluster.discovery import DiscoveredNode
from uccert.model import (
    CertInfo,
    HaNodeState,
    Node,
    NodeSnapshot,
    ReplicationState,
    RunState,
    ServiceState,
    TrustEntry,
)
from uccert.protocols import (
    CertListEntry,
    CliCommandFailed,
    CliParseError,
    ServiceList,
    parse_cert_dump,
    parse_cert_list,
    parse_service_list,
    parse_version_active,
)
from uccert.protocols import cli_commands as cli
from uccert.protocols.cli_commands import CertListKind
from uccert.protocols.dbreplication import parse_dbreplication_runtimestate
from uccert.protocols.ha_status import parse_ha_status
from uccert.protocols.timezone import parse_timezone_config
from uccert.transport import AdminCliSession

log = logging.getLogger(__name__)


async def _certificate(session: AdminCliSession, entry: CertListEntry) -> x509.Certificate:
    command = cli.show_cert_trust(entry.path) if entry.is_trust else cli.show_cert_own(entry.path)
    dump = parse_cert_dump(await session.run(command))
    cert = dump.certificate()
    if cert is None:
        raise CliParseError(f"{command}: the node printed no PEM block, so the cert cannot be read")
    return cert


def services_of(listing: ServiceList) -> tuple[ServiceState, ...]:
    return tuple(
        ServiceState(e.name, RunState(e.state.value.capitalize()), e.activated, e.reason)
        for e in listing.services
    )


async def read_certs_cli(
    session: AdminCliSession, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    """The node's identities and trusts as ``show cert list/own/trust`` print them."""
    fqdns = tuple(cluster_fqdns)
    identities: list[CertInfo] = []
    for entry in parse_cert_list(await session.run(cli.show_cert_list(CertListKind.OWN))):
        cert = await _certificate(session, entry)
        identities.append(CertInfo.from_x509(cert, entry.unit_or_store, entry.file, fqdns))
    trusts: list[TrustEntry] = []
    for entry in parse_cert_list(await session.run(cli.show_cert_list(CertListKind.TRUST))):
        cert = await _certificate(session, entry)
        info = CertInfo.from_x509(cert, entry.unit_or_store, entry.file, fqdns)
        trusts.append(TrustEntry(entry.unit_or_store, entry.file, info))
    return tuple(identities), tuple(trusts)


async def read_version(session: AdminCliSession) -> str:
    return parse_version_active(await session.run(cli.SHOW_VERSION_ACTIVE))


async def read_ha_states(session: AdminCliSession) -> tuple[HaNodeState, ...]:
    """Every Presence Redundancy Group's node states (``utils ha status``). A node that
    refuses the command (releases without it) gives none: the HA flag alone then tells."""
    try:
        status = parse_ha_status(await session.run(cli.UTILS_HA_STATUS))
    except CliCommandFailed as exc:
        log.warning("utils ha status: %s", exc)
        return ()
    for warning in status.warnings:
        log.warning("%s", warning)
    return tuple(HaNodeState(n.group, n.host, n.state, n.reason) for n in status.nodes)


async def read_replication(session: AdminCliSession) -> tuple[ReplicationState, ...]:
    """Each node's Replicate_State (``utils dbreplication runtimestate`` on a publisher). A
    refused command gives none (logged): the preflight then has nothing to refuse on."""
    try:
        status = parse_dbreplication_runtimestate(
            await session.run(cli.UTILS_DBREPLICATION_RUNTIMESTATE)
        )
    except CliCommandFailed as exc:
        log.warning("utils dbreplication runtimestate: %s", exc)
        return ()
    for warning in status.warnings:
        log.warning("%s", warning)
    return tuple(ReplicationState(n.host, n.state, n.details) for n in status.nodes)


async def read_zone(session: AdminCliSession) -> tzinfo:
    """The node's platform time zone (Control Center prints start times in it); UTC, logged,
    when it cannot be read."""
    try:
        return ZoneInfo(parse_timezone_config(await session.run(cli.SHOW_TIMEZONE_CONFIG)))
    except (CliParseError, CliCommandFailed, ZoneInfoNotFoundError, ValueError) as exc:
        log.warning("show timezone config: %s; reading start times as UTC", exc)
        return UTC


async def read_services(session: AdminCliSession) -> tuple[ServiceState, ...]:
    return services_of(parse_service_list(await session.run(cli.UTILS_SERVICE_LIST)))


async def read_node_cli(
    session: AdminCliSession, node: DiscoveredNode, cluster_fqdns: Iterable[str]
) -> NodeSnapshot:
    """Everything one node shows over its CLI (raises on a failed or unreadable command)."""
    version = await read_version(session)
    identities, trusts = await read_certs_cli(session, cluster_fqdns)
    return NodeSnapshot(
        node=Node(node.name, node.fqdn, node.product, node.role, version),
        identities=identities,
        trusts=trusts,
        services=await read_services(session),
    )
