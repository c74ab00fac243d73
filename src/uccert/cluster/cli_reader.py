"""Read one node over the admin CLI (every version): certs, trust stores, services, version.

``show cert list own|trust`` names the files, ``show cert own|trust <store>/<file>`` prints each
one with its PEM (the cert is described from the PEM, not from the text), ``utils service
list`` gives the services and ``show version active`` the version.

One cert that cannot be read never aborts the node's read: it becomes a warning on the node
(``NodeSnapshot.warnings``) naming the file and why. That covers a trust file whose name the
CLI cannot carry (spaces, parentheses: imported from the web page), a dump without a PEM
block, and a dump the parser refuses. A dump without a PEM has its printed dates read in the
node's own zone (``show timezone config``, asked once, only then).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography import x509

from uccert.model import (
    CertInfo,
    HaNodeState,
    ReplicationState,
    RunState,
    ServiceState,
    TrustEntry,
)
from uccert.protocols import (
    CertListEntry,
    CertListKind,
    CliCommandFailed,
    CliParseError,
    ServiceList,
    parse_cert_dump,
    parse_cert_list,
    parse_dbreplication_runtimestate,
    parse_ha_status,
    parse_service_list,
    parse_timezone_config,
    parse_version_active,
)
from uccert.protocols import cli_commands as cli
from uccert.transport import AdminCliSession

log = logging.getLogger(__name__)


async def read_time_zone(session: AdminCliSession) -> tuple[tzinfo | None, str]:
    """The node's platform zone from ``show timezone config`` (Control Center start times and
    printed certificate dates are in it), or None and why it is not known."""
    try:
        name = parse_timezone_config(await session.run(cli.SHOW_TIMEZONE_CONFIG))
        return ZoneInfo(name), ""
    except (CliParseError, CliCommandFailed, ZoneInfoNotFoundError, ValueError) as exc:
        return None, str(exc) or type(exc).__name__


@dataclass
class _NodeZone:
    """The node's platform zone, asked at most once (None: not asked yet or not known)."""

    session: AdminCliSession
    asked: bool = False
    zone: tzinfo | None = None
    why: str = ""

    async def get(self) -> tzinfo | None:
        if not self.asked:
            self.asked = True
            self.zone, self.why = await read_time_zone(self.session)
        return self.zone


@dataclass
class _Reading:
    session: AdminCliSession
    zone: _NodeZone
    warnings: list[str] = field(default_factory=list)

    async def certificate(self, entry: CertListEntry) -> x509.Certificate | None:
        """The entry's cert, or None with a warning saying why it could not be read."""
        if not cli.is_cli_file_name(entry.file):
            self.warnings.append(
                f"{entry.path}: not read: its name cannot be given to the admin CLI (spaces or "
                "punctuation); read it over REST on 14 and later, or in Cisco Unified OS "
                "Administration > Security > Certificate Management"
            )
            return None
        command = (
            cli.show_cert_trust(entry.path) if entry.is_trust else cli.show_cert_own(entry.path)
        )
        try:
            text = await self.session.run(command)
        except CliCommandFailed as error:  # the node refused this one file
            self.warnings.append(f"{entry.path}: not read: {error}")
            return None
        try:
            dump = parse_cert_dump(text)
            problem = "; ".join(dump.warnings)
        except CliParseError as error:
            dump, problem = None, str(error)
        if problem and "time zone" in problem and (zone := await self.zone.get()) is not None:
            try:  # the printed dates use a zone name that needs the node's zone
                dump = parse_cert_dump(text, node_zone=zone)
                problem = "; ".join(dump.warnings)
            except CliParseError as again:
                dump, problem = None, str(again)
        if dump is None:
            self.warnings.append(f"{entry.path}: not read: {problem}{self._zone_note()}")
            return None
        if problem:  # read from the PEM; the printed text disagreed or could not be read
            self.warnings.append(f"{entry.path}: {problem}{self._zone_note()}")
        cert = dump.certificate()
        if cert is None:
            until = dump.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.warnings.append(
                f"{entry.path}: not inventoried: `{command}` printed no PEM block (serial "
                f"{dump.serial}, CN {dump.subject_cn}, valid until {until} as printed)"
            )
        return cert

    def _zone_note(self) -> str:
        return f" (time zone not known: {self.zone.why})" if self.zone.why else ""


def services_of(listing: ServiceList) -> tuple[ServiceState, ...]:
    return tuple(
        ServiceState(e.name, RunState(e.state.value.capitalize()), e.activated, e.reason)
        for e in listing.services
    )


async def read_certs_cli_with_warnings(
    session: AdminCliSession, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...], tuple[str, ...]]:
    """The node's identities and trusts as ``show cert list/own/trust`` print them, and what
    could not be read (one warning per cert)."""
    fqdns = tuple(cluster_fqdns)
    reading = _Reading(session, _NodeZone(session))

    def describe(entry: CertListEntry, cert: x509.Certificate) -> CertInfo | None:
        try:
            return CertInfo.from_x509(cert, entry.unit_or_store, entry.file, fqdns)
        except ValueError as exc:  # a key neither RSA nor EC, an extension cryptography refuses
            reading.warnings.append(f"{entry.path}: not read: {exc}")
            return None

    identities: list[CertInfo] = []
    for entry in parse_cert_list(await session.run(cli.show_cert_list(CertListKind.OWN))):
        cert = await reading.certificate(entry)
        if cert is not None and (info := describe(entry, cert)) is not None:
            identities.append(info)
    trusts: list[TrustEntry] = []
    for entry in parse_cert_list(await session.run(cli.show_cert_list(CertListKind.TRUST))):
        cert = await reading.certificate(entry)
        if cert is not None and (info := describe(entry, cert)) is not None:
            trusts.append(TrustEntry(entry.unit_or_store, entry.file, info))
    return tuple(identities), tuple(trusts), tuple(reading.warnings)


async def read_certs_cli(
    session: AdminCliSession, cluster_fqdns: Iterable[str]
) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...]]:
    """The node's identities and trusts (certs that could not be read are left out)."""
    identities, trusts, _ = await read_certs_cli_with_warnings(session, cluster_fqdns)
    return identities, trusts


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
    zone, why = await read_time_zone(session)
    if zone is None:
        log.warning("show timezone config: %s; reading start times as UTC", why)
        return UTC
    return zone


async def read_services(session: AdminCliSession) -> tuple[ServiceState, ...]:
    return services_of(parse_service_list(await session.run(cli.UTILS_SERVICE_LIST)))
