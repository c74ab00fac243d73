"""`ClusterClient`: one cluster's nodes, discovered and read concurrently, as one `Snapshot`.

Discovery asks the publisher's AXL (nodes and Presence Redundancy Groups); when AXL fails it
falls back to ``show network cluster`` over SSH, and says so: the reason is kept in
``ClusterClient.discovery_note`` and logged as a warning (the snapshot then has no groups).

Each node is read over the interface that costs a real node least (an SSH login takes it 10-15
s, an HTTPS request a fraction of a second). First Control Center (``getProductInformationList``
for the version, ``soapGetServiceStatus`` for the services); on 14 and later (unless
``prefer_rest=False``) the certs then come over REST ``snapshot/server``, and an SSH login is
made only where the CLI alone tells: HA states on the IM/P publisher, replication on
publishers, the time zone when the DRF master runs there. When Control Center does not answer,
or the node is older than 14, the node is read over one CLI session as before: version (``show
version active``), certs (REST on 14+, else the CLI), services (``utils service list``). Either
way a node gets at most one SSH session per read. Meanwhile the node's listeners are probed
(:mod:`uccert.transport.tls_probe`: tomcat on every node, cup / cup-xmpp / cup-xmpp-s2s on IM/P)
and the serials they present fill ``NodeSnapshot.presented``; a probe that fails just leaves
its unit out (the ``restart-pending`` check compares these serials with the stored certs).

An error reading one node (unreachable, refused login, unpinned host key, a command that
failed, or anything unexpected) becomes that node's ``error`` and never stops the others; when
the publisher itself cannot be asked for the node list, the snapshot holds just the publisher,
with the error.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from uccert import catalog
from uccert.catalog import WIRE_UNITS, features_in_use
from uccert.cluster.cli_reader import (
    read_certs_cli_with_warnings,
    read_ha_states,
    read_replication,
    read_services,
    read_version,
    read_zone,
)
from uccert.cluster.discovery import (
    DiscoveredNode,
    discover_over_axl,
    discover_over_cli,
    major_version,
)
from uccert.cluster.rest_reader import read_certs_rest_with_warnings
from uccert.cluster.sessions import NodeSessions
from uccert.cluster.targets import NodeTargets
from uccert.config import ClusterConfig, ClusterCredentials, FleetLimits
from uccert.errors import ClusterError, ConfigError, UccertError
from uccert.model import (
    CertInfo,
    HaNodeState,
    Node,
    NodeSnapshot,
    Product,
    RedundancyGroup,
    ReplicationState,
    Role,
    RunState,
    ServiceState,
    Snapshot,
    TrustEntry,
)
from uccert.protocols import NOT_ACTIVATED, CliParseError, ServiceInformation, parse_start_time
from uccert.transport import (
    AdminCliSession,
    ControlCenterClient,
    HostKeyError,
    ProbeError,
    TlsPinError,
    probe_presented,
)

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = FleetLimits().nodes_in_flight
FILES_RESERVED = 64  # open files kept free for the database, logs, pins and Python itself
_FAILURES = (UccertError, OSError, TimeoutError)


def check_overrides(config: ClusterConfig, nodes: tuple[DiscoveredNode, ...]) -> None:
    """Refuse (ConfigError, exit 2) a node override that names no node the cluster lists, or
    names one only when case is ignored: its address and ports would silently not be used,
    and uccert would connect to the node's FQDN instead."""
    known = {k for n in nodes for k in (n.name, n.fqdn)}
    folded = {k.casefold(): k for k in known}
    for name in config.nodes:
        if name in known or name == config.publisher:
            continue
        near = folded.get(name.casefold())
        if near is not None:
            raise ConfigError(
                f"cluster {config.name}: the node override {name!r} differs from the node"
                f" {near!r} only in case: write [clusters.{config.name}.nodes.{near!r}]"
            )
        raise ConfigError(
            f"cluster {config.name}: the node override {name!r} names no node of the cluster"
            f" (its nodes: {', '.join(sorted(n.name for n in nodes))}): fix or remove it"
        )


def _pin_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is a pin refusal: the host key or TLS cert is not the
    pinned one, or the pins could not be read."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (HostKeyError, TlsPinError)):
            return True
        seen = seen.__cause__
    return False


UNKNOWN_VERSION = ""
MAX_PROBE_TIMEOUT = 10.0  # seconds; a probe runs beside the SSH read and must not outlast it


def _bound(concurrency: int | asyncio.Semaphore) -> asyncio.Semaphore:
    if isinstance(concurrency, asyncio.Semaphore):
        return concurrency
    if concurrency < 1:
        raise ValueError(f"concurrency must be 1 or more, got {concurrency}")
    return asyncio.Semaphore(concurrency)


def files_per_node(tls_per_node: int) -> int:
    """Open files one node's read holds at most: its SSH session and its TLS connections."""
    return 1 + tls_per_node


def fleet_bound(limits: FleetLimits, tls_per_node: int) -> asyncio.Semaphore:
    """The fleet-wide bound on nodes read at once: ``limits.nodes_in_flight``, lowered to what
    the open-files limit allows (raising the soft limit toward the hard one first, as far as the
    bound needs). Nothing else about the nodes is bounded here: those bounds are per node and per
    cluster (`ClusterLimits`)."""
    per_node = files_per_node(tls_per_node)
    wanted = limits.nodes_in_flight * per_node + FILES_RESERVED
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    nodes = limits.nodes_in_flight
    if soft != resource.RLIM_INFINITY:
        nodes = max(1, min(nodes, (soft - FILES_RESERVED) // per_node))
    if nodes < limits.nodes_in_flight:
        log.warning(
            "reading %d nodes at once, not %d: the open-files limit is %d (raise ulimit -n)",
            nodes,
            limits.nodes_in_flight,
            soft,
        )
    return asyncio.Semaphore(nodes)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UccertError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out — check that the node is up, or raise timing.command_timeout"
    return f"{type(exc).__name__}: {exc} — check the node and run the command again"


def _unexpected(exc: Exception, where: str) -> str:
    """A failure uccert has no name for (a bug, or a node answering as none documented): that
    node's error, saying what was raised; the traceback goes to the log at debug level, and
    the rest of the fleet is read."""
    log.debug("%s: unexpected %s", where, type(exc).__name__, exc_info=exc)
    return (
        f"unexpected {type(exc).__name__} while reading it: {exc or 'no detail'} — run the"
        " command again; if it persists, report it with this message"
    )


def services_from_control_center(status: ServiceInformation) -> tuple[ServiceState, ...]:
    """Control Center's services as `utils service list` gives them: its state words are the
    same (Started, Stopped, Starting, Stopping, Unknown), reason code -1068 is "Service Not
    Activated", and a stopped service's reason string is the CLI's reason. Control Center
    leaves out the platform services the CLI lists first (System NTP, System SSH, Cluster
    Manager), which no check reads."""
    states = {s.value: s for s in RunState}
    return tuple(
        ServiceState(
            item.name,
            states.get(item.status, RunState.UNKNOWN),
            item.reason_code != NOT_ACTIVATED,
            item.reason if item.status != RunState.STARTED.value else None,
        )
        for item in status.services
    )


def _start_time_of(
    node: DiscoveredNode,
    services: tuple[ServiceState, ...],
    status: ServiceInformation,
    name: str,
    zone: tzinfo,
) -> tuple[ServiceState, ...]:
    """``services`` with ``name``'s start time, as Control Center printed it in the node's
    zone; unchanged, logged, when it does not read."""
    item = status.by_name().get(name)
    if item is None or not item.start_time:
        return services
    try:
        when = parse_start_time(item.start_time, zone)
    except (CliParseError, ValueError) as exc:
        log.warning("%s: start time of %s not read: %s", node.name, name, _reason(exc))
        return services
    return tuple(replace(s, started_at=when) if s.name == name else s for s in services)


class _Probes:
    """A node's listener probes, started once and not ahead of the node's own reads: they take
    the node's TLS connections (``tls_per_node``), which the reads need first."""

    def __init__(self, probe: Callable[[], Awaitable[dict[str, str]]]) -> None:
        self._probe = probe
        self._task: asyncio.Future[dict[str, str]] | None = None

    def start(self) -> asyncio.Future[dict[str, str]]:
        if self._task is None:
            self._task = asyncio.ensure_future(self._probe())
        return self._task

    async def result(self) -> dict[str, str]:
        return await self.start()

    async def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class DiscoveryFailed(ClusterError):
    """Neither AXL nor ``show network cluster`` listed the nodes."""


class RestReadFailed(ClusterError):
    """A 14+ node's certificates could not be read over REST."""


class ClusterClient:
    """Reads one inventory cluster. ``concurrency`` bounds the nodes read at once (an int, or
    a semaphore shared with other clusters: the fleet's bound, `fleet_bound`). The cluster's own
    limits (``cluster_config.limits``) bound its AXL requests and each node's TLS connections;
    each node is read over one CLI session. ``prefer_rest=False`` reads every node's certs over
    the CLI, even on 14 and later. ``sessions``: a command's own per-node sessions, kept open
    after the read for what the command does next (else each node's session closes after its
    read)."""

    def __init__(
        self,
        cluster_config: ClusterConfig,
        credentials: ClusterCredentials,
        pins_dir: Path,
        concurrency: int | asyncio.Semaphore = DEFAULT_CONCURRENCY,
        *,
        prefer_rest: bool = True,
        sessions: NodeSessions | None = None,
    ) -> None:
        self.config = cluster_config
        self.targets = NodeTargets(cluster_config, credentials, pins_dir)
        self._bound = _bound(concurrency)
        self._axl = asyncio.Semaphore(cluster_config.limits.axl_requests)
        self.prefer_rest = prefer_rest
        self.discovery_note: str | None = None
        self._sessions = sessions

    @contextlib.asynccontextmanager
    async def _cli(self, name: str, fqdn: str) -> AsyncIterator[AdminCliSession]:
        """The node's CLI session: the command's own when it has them (left open), else one
        for this read only."""
        if self._sessions is not None:
            yield await self._sessions.cli(name, fqdn)
            return
        async with self.targets.cli_session(name, fqdn) as session:
            yield session

    async def discover_axl(self) -> tuple[tuple[DiscoveredNode, ...], tuple[RedundancyGroup, ...]]:
        """Nodes and groups from the publisher's AXL (raises on failure)."""
        async with self._bound, self._axl, self.targets.axl_http() as http:
            return await discover_over_axl(http, self.config.nodes)

    async def discover_cli(self) -> tuple[DiscoveredNode, ...]:
        """The cluster's nodes from ``show network cluster`` on the CUCM publisher."""
        name, fqdn = self.targets.publisher_name(), self.config.publisher
        async with self._bound, self._cli(name, fqdn) as session:
            return await discover_over_cli(session)

    async def discover(self) -> tuple[tuple[DiscoveredNode, ...], tuple[RedundancyGroup, ...]]:
        """The cluster's nodes (and groups, when AXL answered), from the CUCM publisher."""
        self.discovery_note = None
        try:
            return await self.discover_axl()
        except _FAILURES as exc:
            axl_reason = f"AXL discovery failed ({_reason(exc)})"
        try:
            nodes = await self.discover_cli()
        except _FAILURES as exc:
            raise DiscoveryFailed(
                f"{axl_reason}; show network cluster failed too: {_reason(exc)}"
            ) from exc
        self.discovery_note = (
            f"{axl_reason}: nodes listed by show network cluster instead; groups not read"
        )
        log.warning("cluster %s: %s", self.config.name, self.discovery_note)
        return nodes, ()

    async def _read(
        self,
        node: DiscoveredNode,
        fqdns: tuple[str, ...],
        tls: asyncio.Semaphore,
        probes: _Probes,
    ) -> NodeSnapshot:
        if self.prefer_rest:
            https = await self._read_over_https(node, fqdns, tls, probes)
            if https is not None:
                return https
        probes.start()  # beside the SSH login, which needs none of the node's HTTPS connections
        warnings: tuple[str, ...] = ()
        async with self._cli(node.name, node.fqdn) as session:
            version = await read_version(session)
            if self.prefer_rest and major_version(version) >= catalog.REST_FROM_MAJOR:
                identities, trusts, warnings = await self._rest_certs(node, fqdns, tls, version)
            else:
                identities, trusts, warnings = await read_certs_cli_with_warnings(session, fqdns)
            services = await read_services(session)
            ha_states, replication = await self._cli_only(node, session)
            master = next((s for s in services if s.name in catalog.DRF_MASTER_NAMES), None)
            if master is not None and master.state is RunState.STARTED:
                zone = await read_zone(session)
                services = await self._with_start_time(node, services, master.name, zone)
        return NodeSnapshot(
            Node(node.name, node.fqdn, node.product, node.role, version),
            identities=identities,
            trusts=trusts,
            services=services,
            warnings=warnings,
            ha_states=ha_states,
            replication=replication,
        )

    async def _rest_certs(
        self, node: DiscoveredNode, fqdns: tuple[str, ...], tls: asyncio.Semaphore, version: str
    ) -> tuple[tuple[CertInfo, ...], tuple[TrustEntry, ...], tuple[str, ...]]:
        try:
            async with tls, self.targets.rest_http(node.name, node.fqdn) as http:
                return await read_certs_rest_with_warnings(http, fqdns)
        except _FAILURES as exc:
            raise RestReadFailed(f"REST snapshot/server ({version}): {_reason(exc)}") from exc

    async def _cli_only(
        self, node: DiscoveredNode, session: AdminCliSession
    ) -> tuple[tuple[HaNodeState, ...], tuple[ReplicationState, ...]]:
        """What only the admin CLI tells: HA states (IM/P publisher) and replication
        (publishers)."""
        # §3: the Server Recovery Manager's view of every group, from the IM/P publisher
        ha_states: tuple[HaNodeState, ...] = ()
        if node.product is Product.IMP and node.role is Role.PUBLISHER:
            ha_states = await read_ha_states(session)
        # replication, as TAC reads it: on the CUCM publisher and the IM/P database publisher
        replication: tuple[ReplicationState, ...] = ()
        if node.role is Role.PUBLISHER:
            replication = await read_replication(session)
        return ha_states, replication

    async def _read_over_https(
        self,
        node: DiscoveredNode,
        fqdns: tuple[str, ...],
        tls: asyncio.Semaphore,
        probes: _Probes,
    ) -> NodeSnapshot | None:
        """A 14+ node read over HTTPS: version and services from Control Center, certs over
        REST; an SSH login only where the CLI alone tells (HA states, replication, the DRF
        master's time zone), on publishers. None, and the node is read over SSH as before,
        when Control Center does not answer or the node is older than 14 (an SSH login costs a
        real node 10-15 s; an HTTPS request a fraction of a second)."""
        try:
            async with tls, self.targets.soap_http(node.name, node.fqdn) as http:
                control = ControlCenterClient(http, node.fqdn)
                product = await control.product_information()
                if major_version(product.active_version) < catalog.REST_FROM_MAJOR:
                    return None
                status = await control.status()
        except _FAILURES as exc:
            log.info("%s: Control Center not read (%s): reading over SSH", node.name, _reason(exc))
            return None
        if not status.ok or not status.services:
            log.info("%s: Control Center listed no services: reading over SSH", node.name)
            return None
        version = product.active_version
        identities, trusts, warnings = await self._rest_certs(node, fqdns, tls, version)
        probes.start()  # after the reads, which its TLS connections would otherwise queue behind
        services = services_from_control_center(status)
        ha_states: tuple[HaNodeState, ...] = ()
        replication: tuple[ReplicationState, ...] = ()
        master = next((s for s in services if s.name in catalog.DRF_MASTER_NAMES), None)
        started = master is not None and master.state is RunState.STARTED
        if started or node.role is Role.PUBLISHER:
            async with self._cli(node.name, node.fqdn) as session:
                ha_states, replication = await self._cli_only(node, session)
                if master is not None and started:
                    zone = await read_zone(session)
                    services = _start_time_of(node, services, status, master.name, zone)
        return NodeSnapshot(
            Node(node.name, node.fqdn, node.product, node.role, version),
            identities=identities,
            trusts=trusts,
            services=services,
            warnings=warnings,
            ha_states=ha_states,
            replication=replication,
        )

    async def _with_start_time(
        self, node: DiscoveredNode, services: tuple[ServiceState, ...], name: str, zone: tzinfo
    ) -> tuple[ServiceState, ...]:
        """``services`` with ``name``'s start time from Control Center (drf-restart-pending
        compares it with the DRF certs it serves); unchanged, logged, when that fails."""
        try:
            async with self.targets.soap_http(node.name, node.fqdn) as http:
                info = await ControlCenterClient(http, node.fqdn).status([name])
            item = info.by_name().get(name)
            if item is None or not item.start_time:
                return services
            when = parse_start_time(item.start_time, zone)
        except (*_FAILURES, CliParseError, ValueError) as exc:
            log.warning("%s: start time of %s not read: %s", node.name, name, _reason(exc))
            return services
        return tuple(replace(s, started_at=when) if s.name == name else s for s in services)

    async def _probe(
        self, node: DiscoveredNode, unit: str, tls: asyncio.Semaphore
    ) -> tuple[str, str] | None:
        target = self.targets.probe_target(node.name, node.fqdn, unit)
        timeout = min(self.config.timing.connect_timeout, MAX_PROBE_TIMEOUT)
        try:
            async with tls:
                cert = await probe_presented(target, timeout)
        except (ProbeError, ValueError) as exc:  # ValueError: a cert cryptography cannot read
            log.debug("cluster %s: %s", self.config.name, exc)
            return None
        return unit, format(cert.serial_number, "x")

    async def presented(
        self, node: DiscoveredNode, tls: asyncio.Semaphore | None = None
    ) -> dict[str, str]:
        """unit -> serial each of the node's listeners presents now (failed probes left out)."""
        tls = tls or asyncio.Semaphore(self.config.limits.tls_per_node)
        units = [u for u in WIRE_UNITS if node.product in catalog.unit(u).products]
        found = await asyncio.gather(*(self._probe(node, u, tls) for u in units))
        return dict(f for f in found if f is not None)

    async def read_node(self, node: DiscoveredNode, fqdns: Iterable[str]) -> NodeSnapshot:
        """One node; any failure is the returned snapshot's ``error``."""
        try:
            async with self._bound:
                tls = asyncio.Semaphore(self.config.limits.tls_per_node)  # this node's own
                probes = _Probes(lambda: self.presented(node, tls))
                try:
                    snap = await self._read(node, tuple(fqdns), tls, probes)
                except BaseException:
                    await probes.cancel()
                    raise
                return replace(snap, presented=await probes.result())
        except _FAILURES as exc:
            return NodeSnapshot(
                Node(node.name, node.fqdn, node.product, node.role, UNKNOWN_VERSION),
                error=_reason(exc),
                pin_error=_pin_error(exc),
            )
        except Exception as exc:  # never one node's surprise ending the fleet's read
            return NodeSnapshot(
                Node(node.name, node.fqdn, node.product, node.role, UNKNOWN_VERSION),
                error=_unexpected(exc, f"{self.config.name}/{node.name}"),
            )

    async def snapshot(self) -> Snapshot:
        taken_at = datetime.now(UTC)
        try:
            nodes, groups = await self.discover()
        except Exception as exc:  # unexpected ones too: the other clusters are still read
            name = self.targets.publisher_name()
            publisher = Node(
                name, self.config.publisher, Product.CUCM, Role.PUBLISHER, UNKNOWN_VERSION
            )
            known = isinstance(exc, _FAILURES)
            why = _reason(exc) if known else _unexpected(exc, f"{self.config.name} discovery")
            error = f"cannot list the cluster's nodes: {why}"
            unread = NodeSnapshot(publisher, error=error, pin_error=_pin_error(exc))
            return Snapshot(self.config.name, taken_at, (unread,))
        check_overrides(self.config, nodes)
        fqdns = tuple(n.fqdn for n in nodes)
        read = await asyncio.gather(*(self.read_node(n, fqdns) for n in nodes))
        activated = (s.name for n in read for s in n.services if s.activated)
        features = {f.value for f in features_in_use(activated)}
        return Snapshot(self.config.name, taken_at, tuple(read), groups, frozenset(features))


async def snapshot_clusters(
    clients: Iterable[ClusterClient],
) -> tuple[Snapshot, ...]:
    """Every cluster at once (their clients share a bound when built with one semaphore)."""
    return tuple(await asyncio.gather(*(c.snapshot() for c in clients)))
