"""`ClusterOps`: the actions and observations the executor needs on one cluster's nodes.

Theory of operation. Every method names one node (by its CUCM name) and uses the interface the
procedure calls for:

| method                           | interface                                                 |
|----------------------------------|-----------------------------------------------------------|
| identity, trusts                 | admin CLI ``show cert own|list trust|trust`` (every version)|
| regenerate, delete_trust,        | admin CLI ``set cert regen|delete|import`` (answers the    |
| import_trust                     | yes/no question; checks the success line)                 |
| service_status                   | Control Center ``soapGetServiceStatus``, else CLI          |
|                                  | ``utils service list`` (no start time then)               |
| control                          | Control Center ``soapDoControlServices`` (via=soap, falls |
|                                  | back to SSH) or CLI ``utils service ...`` (via=ssh; Cisco  |
|                                  | Tomcat and Cisco DB are CLI-only; docs/design/            |
|                                  | interfaces.md §2)                                         |
| wait_started                     | polls service_status                                      |
| groups, set_ha                   | AXL on the CUCM publisher                                 |
| ha_states                        | admin CLI ``utils ha status`` (every group's node states) |
| presented                        | a read-only TLS / XMPP STARTTLS probe (transport.tls_probe)|

SSH sessions are opened on first use, kept per node and reopened after a drop; idempotent reads
retry once on a dropped session, actions never do (a command cut off may have run: the caller
looks at the node before retrying). Failures are typed: :class:`OperationTransient` (session
dropped, timeout, connection refused: look again, then retry), :class:`OperationFailed` (the
node refused or answered something unexpected), :class:`ServiceFailed` (a service did not come
up). TLS-pin and host-key problems stay the transport's ConfigErrors (fix: ``uccert pin``).

Control Center runs inside Cisco Tomcat, so after tomcat is regenerated and Tomcat restarted the
node no longer presents the pinned cert. Status calls then also trust the tomcat cert just read
over the authenticated SSH session, in memory only: re-pinning stays the executor's decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Final, TypeVar

from cryptography import x509

from uccert.catalog import CLI_ONLY_SERVICES, ServiceAction
from uccert.cluster.cli_reader import read_time_zone
from uccert.cluster.discovery import axl_client
from uccert.cluster.sessions import NodeSessions
from uccert.cluster.targets import NodeTargets
from uccert.config import ClusterConfig, ClusterCredentials
from uccert.errors import ClusterError, ConfigError, UccertError
from uccert.model import CertInfo, HaNodeState, RedundancyGroup, RunState, TrustEntry, Via
from uccert.protocols import (
    NOT_ACTIVATED_REASON,
    CertListKind,
    CliCommandFailed,
    CliParseError,
    ServiceEntry,
    ServiceInfo,
    ServiceInformation,
    ServiceRunState,
    parse_cert_dump,
    parse_cert_list,
    parse_ha_status,
    parse_import_result,
    parse_regen_result,
    parse_service_line,
    parse_service_list,
    parse_start_time,
)
from uccert.protocols import cli_commands as cli
from uccert.protocols import controlcenter as cc
from uccert.transport import (
    AdminCliSession,
    ConnectFailed,
    ControlCenterClient,
    HttpStatusError,
    ProbeRefused,
    TlsPinError,
    probe_presented,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

Action = ServiceAction  # the name the executor (run/steps.py) imports
_CONTROL_TYPES: Final[dict[ServiceAction, cc.ControlType]] = {
    ServiceAction.START: "Start",
    ServiceAction.STOP: "Stop",
    ServiceAction.RESTART: "Restart",
}
_RUN_STATES: Final = {s.value.lower(): s for s in RunState}
# A restart passes through Stopped between its stop and start phases; one look at Stopped is
# not an end. Two consecutive looks are.
STOPPED_LOOKS: Final = 2
_TRANSIENT_STATUS: Final = frozenset({502, 503, 504})  # gateway/overload answers: try later
_NOT_ACTIVATED_FOLDED: Final = NOT_ACTIVATED_REASON.casefold()


class OperationError(ClusterError):
    """Base of what ClusterOps raises (besides ConfigError and ValueError for bad arguments)."""


class OperationTransient(OperationError):
    """The node could not be asked (dropped session, timeout, refused connection); an action
    may or may not have run: look at the node, then retry."""


class OperationFailed(OperationError):
    """The node refused the command or answered something uccert does not understand."""


class ServiceFailed(OperationFailed):
    """A service did not reach Started (it ended Stopped, or the wait timed out)."""


@dataclass(frozen=True)
class ServiceStatus:
    """One service on one node. ``started_at`` (aware UTC, node clock) only while Started and
    only from Control Center; ``reason`` as the node words it (e.g. "Commanded Out of Service")."""

    name: str
    state: RunState
    started_at: datetime | None
    reason: str | None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, HttpStatusError):
        return exc.status in _TRANSIENT_STATUS
    return isinstance(exc, (ConnectFailed, TimeoutError, ConnectionError, OSError))


@contextlib.contextmanager
def _mapped(node: str, what: str, todo: str) -> Iterator[None]:
    """Turn transport and protocol errors into OperationTransient / OperationFailed."""
    try:
        yield
    except (OperationError, ConfigError):
        raise
    except (UccertError, OSError, TimeoutError) as exc:
        reason = _one_line(str(exc) or type(exc).__name__)
        if _is_transient(exc):
            raise OperationTransient(
                f"{node}: {what} did not complete ({reason}); look at the node, then retry"
            ) from exc
        raise OperationFailed(f"{node}: {what} failed ({reason}); {todo}") from exc


def _status_from_soap(item: ServiceInfo, zone: tzinfo) -> ServiceStatus:
    state = _RUN_STATES.get(item.status.strip().lower(), RunState.UNKNOWN)
    started = None
    if state is RunState.STARTED and item.start_time:
        started = parse_start_time(item.start_time, zone)
    reason = None if item.reason_code == cc.SUCCESSFUL else item.reason
    return ServiceStatus(item.name, state, started, reason)


def _status_from_cli(entry: ServiceEntry) -> ServiceStatus:
    return ServiceStatus(entry.name, RunState(entry.state.value.capitalize()), None, entry.reason)


def _missing(name: str, where: str) -> ServiceStatus:
    return ServiceStatus(name, RunState.UNKNOWN, None, f"not listed by {where}")


def _pick(found: Mapping[str, T], names: Sequence[str]) -> dict[str, T | None]:
    """Each asked name -> its entry (exact name first, then ignoring case)."""
    folded = {k.casefold(): v for k, v in found.items()}
    return {n: found.get(n, folded.get(n.casefold())) for n in names}


class ClusterOps:
    """Actions and observations on one cluster's nodes; SSH sessions are opened lazily, kept per
    node and reopened after a drop. Use as ``async with ClusterOps(config, credentials, pins_dir,
    nodes) as ops``; ``nodes`` maps node name -> FQDN (from a Snapshot). ``sessions``: a command's
    own (its owner closes them), so that the nodes it already logged in to are not logged in
    to again."""

    def __init__(
        self,
        cluster_config: ClusterConfig,
        credentials: ClusterCredentials,
        pins_dir: Path,
        nodes: Mapping[str, str],
        sessions: NodeSessions | None = None,
    ) -> None:
        self.config = cluster_config
        self.targets = NodeTargets(cluster_config, credentials, pins_dir)
        self.nodes = dict(nodes)
        self._fqdns = tuple(self.nodes.values())
        self._owned = sessions is None
        self._sessions = sessions if sessions is not None else NodeSessions(self.targets)
        self._tomcat_seen: dict[str, str] = {}  # node -> tomcat PEM read over SSH (not a pin)
        # (node, service folded) -> an SSH start/restart was watched reaching Started
        self._witnessed: dict[tuple[str, str], bool] = {}
        self._zones: dict[str, tzinfo] = {}  # node -> platform time zone (start times)

    @property
    def sessions(self) -> NodeSessions:
        """The per-node sessions these operations run over (a snapshot may share them)."""
        return self._sessions

    async def __aenter__(self) -> ClusterOps:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every SSH session (best effort), unless they are the caller's."""
        if self._owned:
            await self._sessions.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _fqdn(self, node: str) -> str:
        try:
            return self.nodes[node]
        except KeyError:
            known = ", ".join(sorted(self.nodes)) or "none"
            raise OperationFailed(
                f"{node} is not a node of cluster {self.config.name} (known: {known}); "
                "plan again from a fresh inventory"
            ) from None

    async def _session(self, node: str) -> AdminCliSession:
        return await self._sessions.cli(node, self._fqdn(node))

    async def _read(
        self, node: str, what: str, read: Callable[[AdminCliSession], Awaitable[T]]
    ) -> T:
        """An idempotent CLI read; a session that dropped under it is reopened once."""
        with _mapped(node, what, "compare with the node's own CLI output and report it"):
            for attempt in (1, 2):
                session = await self._session(node)
                try:
                    return await read(session)
                except ConnectionError:  # SessionDropped: reading again is safe
                    if attempt == 2:
                        raise
                    log.info("%s: session dropped during %s; reading again", node, what)
        raise AssertionError("unreachable")

    # -- certificates -----------------------------------------------------------------------

    async def identity(self, node: str, unit: str) -> CertInfo:
        """The node's stored cert of ``unit`` now (``show cert own <unit>``, every version)."""

        async def read(session: AdminCliSession) -> CertInfo:
            dump = parse_cert_dump(await session.run(cli.show_cert_own(unit)))
            cert = dump.certificate()
            if cert is None:
                raise CliParseError(f"show cert own {unit} printed no PEM block")
            return CertInfo.from_x509(cert, unit, f"{unit}.pem", self._fqdns)

        return await self._read(node, f"show cert own {unit}", read)

    async def regenerate(self, node: str, unit: str) -> None:
        """``set cert regen <unit>``, answering yes; OperationFailed unless the node prints its
        success line. A drop mid-command is OperationTransient: the cert may be new already."""
        command = cli.set_cert_regen(unit)
        with _mapped(node, command, "check the unit exists on the node (show cert list own)"):
            session = await self._session(node)
            out = await session.run_confirm(command, "yes", self.config.timing.command_timeout)
            if not parse_regen_result(out, unit):
                raise CliCommandFailed(f"{command}: the node reported failure")

    async def trusts(self, node: str, store: str | None = None) -> tuple[TrustEntry, ...]:
        """Every trust cert of the node, or of one ``store`` (``show cert list trust``, then
        each file: one command per cert, seconds each on a real node, so read only what is
        needed)."""

        async def read(session: AdminCliSession) -> tuple[TrustEntry, ...]:
            found: list[TrustEntry] = []
            listing = await session.run(cli.show_cert_list(CertListKind.TRUST))
            for entry in parse_cert_list(listing):
                if store is not None and entry.unit_or_store != store:
                    continue
                if not cli.is_cli_file_name(entry.file):  # only the web page can name it
                    # `check` says so once (web-only-delete); a run reads stores many times
                    log.debug("%s: %s left out: the CLI cannot name it", node, entry.path)
                    continue
                dump = parse_cert_dump(await session.run(cli.show_cert_trust(entry.path)))
                cert = dump.certificate()
                if cert is None:
                    raise CliParseError(f"show cert trust {entry.path} printed no PEM block")
                info = CertInfo.from_x509(cert, entry.unit_or_store, entry.file, self._fqdns)
                found.append(TrustEntry(entry.unit_or_store, entry.file, info))
            return tuple(found)

        return await self._read(node, "show cert list trust", read)

    async def delete_trust(self, node: str, store: str, file: str) -> None:
        """``set cert delete <store> <file>``, the documented bare file name (a yes/no
        question, if asked, gets yes)."""
        command = cli.set_cert_delete(store, file)
        with _mapped(node, command, f"check {file} is still in {store} (show cert list trust)"):
            session = await self._session(node)
            await session.run_confirm(command, "yes", self.config.timing.command_timeout)

    async def import_trust(self, node: str, store: str, pem: str) -> None:
        """``set cert import trust <unit>``, pasting ``pem`` at ``Paste the Certificate and Hit
        Enter`` [doc+seen]; OperationFailed unless the node prints its success line."""
        unit = store.removesuffix("-trust")
        command = cli.set_cert_import(CertListKind.TRUST, unit)
        lines = [line.strip() for line in pem.strip().splitlines() if line.strip()]
        if not lines or "BEGIN CERTIFICATE" not in lines[0]:
            raise ValueError(f"import into {store}: give one PEM certificate")
        with _mapped(node, command, f"check the certificate and the store {store}"):
            session = await self._session(node)
            out = await session.run_paste(
                command, "\n".join(lines), self.config.timing.command_timeout
            )
            if not parse_import_result(out, unit):
                last = next((x for x in reversed(out.splitlines()) if x.strip()), "no output")
                raise OperationFailed(f"{node}: {command} failed: {_one_line(last)}")

    async def presented(self, node: str, unit: str) -> x509.Certificate | None:
        """What the node presents on the wire for ``unit`` (tomcat, cup, cup-xmpp,
        cup-xmpp-s2s); None when nothing listens or the handshake is refused. Read only: the
        cert is not judged here (compare it with :meth:`identity`)."""
        target = self.targets.probe_target(node, self._fqdn(node), unit)
        with _mapped(node, f"probe {target.label}", "check the port in the inventory"):
            try:
                return await probe_presented(target, self.config.timing.connect_timeout)
            except ProbeRefused as exc:
                log.debug("%s: %s", node, exc)
                return None

    # -- services ---------------------------------------------------------------------------

    async def _soap(
        self, node: str, call: Callable[[ControlCenterClient], Awaitable[ServiceInformation]]
    ) -> ServiceInformation:
        """One Control Center call on the node itself. If its Tomcat no longer presents the
        pinned cert, the call is made once more also trusting the tomcat cert read over SSH."""
        fqdn = self._fqdn(node)
        for attempt in (1, 2):
            seen = self._tomcat_seen.get(node, "")
            try:
                async with self.targets.soap_http(node, fqdn, seen) as http:
                    return await call(ControlCenterClient(http, fqdn))
            except TlsPinError:
                if attempt == 2:
                    raise
                self._tomcat_seen[node] = (await self.identity(node, "tomcat")).pem
                if self._tomcat_seen[node] == seen:
                    raise
        raise AssertionError("unreachable")

    async def time_zone(self, node: str) -> tzinfo:
        """The node's platform time zone (``show timezone config``), read once: Control Center
        prints start times in it. UTC, with a warning, when the node names no zone uccert
        knows (start times may then be off by the offset)."""
        known = self._zones.get(node)
        if known is not None:
            return known

        async def read(session: AdminCliSession) -> tzinfo:
            zone, why = await read_time_zone(session)
            if zone is None:
                log.warning("%s: time zone not known (%s); reading start times as UTC", node, why)
                return UTC
            return zone

        zone = await self._read(node, cli.SHOW_TIMEZONE_CONFIG, read)
        self._zones[node] = zone
        return zone

    async def service_status(self, node: str, names: Sequence[str]) -> dict[str, ServiceStatus]:
        """Each named service's state (Control Center; ``utils service list`` when that fails,
        then without start times). A name the node does not list is Unknown. No names: every
        service the node lists (a Control Center status call without names asks for all)."""
        zone = await self.time_zone(node)
        try:
            info = await self._soap(node, lambda c: c.status(list(names)))
            picked = _pick(info.by_name(), names or tuple(info.by_name()))
            return {
                n: _missing(n, "Control Center") if i is None else _status_from_soap(i, zone)
                for n, i in picked.items()
            }
        except (UccertError, OSError, TimeoutError) as exc:
            why = _one_line(str(exc) or type(exc).__name__)
            log.info("%s: Control Center status failed (%s); using utils service list", node, why)

        async def read(session: AdminCliSession) -> dict[str, ServiceStatus]:
            listing = parse_service_list(await session.run(cli.UTILS_SERVICE_LIST))
            entries = {e.name: e for e in (*listing.platform, *listing.services)}
            return {
                n: _missing(n, "utils service list") if e is None else _status_from_cli(e)
                for n, e in _pick(entries, names or tuple(entries)).items()
            }

        return await self._read(node, cli.UTILS_SERVICE_LIST, read)

    async def control(self, node: str, service: str, action: Action, via: Via) -> None:
        """Start, stop or restart one service; returns once the node accepted the command.

        ``via`` soap: Control Center, falling back to SSH (logged) when it fails, except for a
        service that is not activated or not there (OperationFailed). ``via`` ssh, and Cisco
        Tomcat / Cisco DB always: ``utils service <action> <name>``, which returns when the
        service settled; a start that ended Stopped is left to :meth:`wait_started` to report.
        """
        if action not in _CONTROL_TYPES:
            raise ValueError(f"action must be start, stop or restart, not {action!r}")
        action = ServiceAction(action)
        if via not in (Via.SOAP, Via.SSH, Via.NONE):
            raise ValueError(f"services are controlled via soap or ssh, not {via.value}")
        if via is not Via.SSH and service not in CLI_ONLY_SERVICES:
            why = await self._soap_control(node, service, action)
            if why is None:
                return
            log.warning(
                "%s: Control Center did not %s %s (%s); using the CLI", node, action, service, why
            )
        await self._cli_control(node, service, action)

    async def _soap_control(self, node: str, service: str, action: Action) -> str | None:
        """None when accepted, else why Control Center could not do it (fall back to SSH)."""
        try:
            info = await self._soap(node, lambda c: c.control([service], _CONTROL_TYPES[action]))
        except (UccertError, OSError, TimeoutError) as exc:
            return _one_line(str(exc) or type(exc).__name__)
        item = _pick(info.by_name(), [service])[service]
        if item is None:
            return f"no reply item for it (ReturnCode {info.return_code}: {info.reason})"
        code = item.reason_code
        done = {"start": cc.ALREADY_STARTED, "stop": cc.ALREADY_STOPPED}.get(action)
        if code in (cc.SUCCESSFUL, done):
            return None
        if code in (cc.NOT_ACTIVATED, cc.NO_SUCH_SERVICE):
            raise OperationFailed(
                f"{node}: cannot {action} {service}: {item.reason or code}; activate it in "
                "Cisco Unified Serviceability, or check its name"
            )
        return f"reason code {code}: {item.reason or 'no reason given'}"

    async def _cli_control(self, node: str, service: str, action: Action) -> None:
        command = cli.utils_service(action, service)
        moving: list[ServiceRunState] = []

        def on_line(line: str) -> None:
            with contextlib.suppress(CliParseError):
                entry = parse_service_line(line)
                if entry is not None and entry.name.casefold() == service.casefold():
                    moving.append(entry.state)

        key = (node, service.casefold())
        self._witnessed.pop(key, None)
        with _mapped(node, command, f"check the name and state of {service} on the node"):
            session = await self._session(node)
            try:
                await session.run_streaming(command, on_line, self.config.timing.restart_timeout)
            except CliCommandFailed:
                if not {ServiceRunState.STARTING, ServiceRunState.STOPPING} & set(moving):
                    raise
                # Accepted, then it did not settle as asked: wait_started says how it ended.
                log.warning("%s: `%s` ran but ended %s", node, command, moving[-1].value)
                return
        if ServiceRunState.STARTING in moving and moving[-1] is ServiceRunState.STARTED:
            self._witnessed[key] = True

    async def wait_started(
        self, node: str, service: str, after: datetime | None, timeout: float, poll: float
    ) -> ServiceStatus:
        """Poll until ``service`` is Started, and started at or after ``after`` (node clock; a
        moment before this call, e.g. the cert change the restart serves).

        Without a start time (Control Center unavailable, ``utils service list`` used) a start is
        fresh when this wait saw the service down first, or when :meth:`control` over SSH just
        watched it go Starting -> Started. ServiceFailed when it stays Stopped (two looks in a
        row) or ``timeout`` seconds pass; transient failures to look are retried until then.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        fresh_start = self._witnessed.pop((node, service.casefold()), False)
        stopped = 0
        last = "no status read yet"
        while True:
            try:
                status = (await self.service_status(node, [service]))[service]
            except OperationTransient as exc:
                status, last = None, str(exc)
            if status is not None and status.state is RunState.STARTED:
                if after is None or (
                    status.started_at >= after if status.started_at else fresh_start
                ):
                    return status
                when = status.started_at.isoformat() if status.started_at else "unknown"
                last = f"Started at {when}, not after {after.isoformat()}"
                stopped = 0
            elif status is not None:
                fresh_start = True  # seen down during this wait: its next start is fresh
                stopped = stopped + 1 if status.state is RunState.STOPPED else 0
                last = status.state.value + (f" ({status.reason})" if status.reason else "")
                not_activated = (status.reason or "").casefold() == _NOT_ACTIVATED_FOLDED
                if stopped >= STOPPED_LOOKS or (stopped and not_activated):
                    raise ServiceFailed(
                        f"{node}: {service} is {last} instead of starting: look at the node "
                        "(utils service list, RTMT), start it, then resume (Control Center "
                        "also reports Stopped for a name the node does not list: check the "
                        "name for this version)"
                    )
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ServiceFailed(
                    f"{node}: {service} not Started within {timeout:g} s (last: {last}); "
                    "look at the node, then resume (or raise timing.restart_timeout)"
                )
            await asyncio.sleep(min(poll, remaining))

    # -- HA (AXL on the CUCM publisher) -------------------------------------------------------

    async def ha_states(self, node: str) -> tuple[HaNodeState, ...]:
        """Every group's node states as ``utils ha status`` prints them on ``node`` (hosts
        mapped to node names where they match a node's host name)."""

        async def read(session: AdminCliSession) -> tuple[HaNodeState, ...]:
            status = parse_ha_status(await session.run(cli.UTILS_HA_STATUS))
            for warning in status.warnings:
                log.warning("%s: %s", node, warning)
            hosts = {f.split(".", 1)[0].lower(): n for n, f in self.nodes.items()}
            return tuple(
                HaNodeState(n.group, hosts.get(n.host.lower(), n.host), n.state, n.reason)
                for n in status.nodes
            )

        return await self._read(node, cli.UTILS_HA_STATUS, read)

    def _node_name(self, server: str | None) -> str | None:
        if server is None:
            return None
        by_fqdn = {f.lower(): n for n, f in self.nodes.items()}
        return by_fqdn.get(server.lower(), server)

    async def groups(self) -> tuple[RedundancyGroup, ...]:
        """Every Presence Redundancy Group with its HA flag (servers as node names)."""
        publisher = self.targets.publisher_name()
        with _mapped(publisher, "AXL listPresenceRedundancyGroup", "check AXL on the publisher"):
            async with self.targets.axl_http() as http:
                found = await (await axl_client(http)).list_groups()
        return tuple(
            RedundancyGroup(
                g.name, self._node_name(g.server1) or "", self._node_name(g.server2), g.ha_enabled
            )
            for g in found
            if g.server1
        )

    async def set_ha(self, group: str, enabled: bool) -> None:
        """Turn a group's "Enable High Availability" on or off (AXL update)."""
        publisher = self.targets.publisher_name()
        what = f"AXL updatePresenceRedundancyGroup {group} haEnabled={str(enabled).lower()}"
        with _mapped(
            publisher,
            what,
            "set it in CUCM administration (System > Presence Redundancy Groups) and resume",
        ):
            async with self.targets.axl_http() as http:
                await (await axl_client(http)).set_ha(group, enabled)
