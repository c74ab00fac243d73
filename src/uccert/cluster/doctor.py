"""`uccert doctor`: try, read-only, every interface uccert uses on every node of a cluster.

On the CUCM publisher: AXL (schema negotiation, ``listProcessNode``,
``listPresenceRedundancyGroup``). On every node: SSH login to the ``admin:`` prompt, each read
command (``show version active``, ``show cert list|own|trust``, ``utils service list``; ``show
network cluster`` on the publisher), Control Center ``soapGetServiceStatus``, REST
``snapshot/server`` on 14 and later, and each TLS listener the catalog says the node has.

Each try is one :class:`Check`: ``ok``, ``fail`` (with the reason as observed and what to change),
or ``unused`` (a listener whose owning service is not running, e.g. 5269 with XMPP federation
off: nothing needs it then). Nothing is changed on the cluster. Every answer is kept in a
:class:`~uccert.cluster.doctor_record.NodeRecording` for ``--record``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Final, Literal, TypeVar

from cryptography.hazmat.primitives.serialization import Encoding

from uccert import catalog
from uccert.catalog import WIRE_UNITS
from uccert.cluster.cli_reader import read_certs_cli, read_services, read_version
from uccert.cluster.discovery import (
    DiscoveredNode,
    discover_over_cli,
    major_version,
    negotiate,
    nodes_from_axl,
    nodes_from_lines,
)
from uccert.cluster.doctor_record import NodeRecording, RecordingCliSession, record_http
from uccert.cluster.rest_reader import read_certs_rest
from uccert.cluster.targets import NodeTargets
from uccert.cluster.verify_wire import not_in_use
from uccert.config import ClusterConfig, ClusterCredentials
from uccert.errors import ConfigError, UccertError
from uccert.model import Product, Role, ServiceState
from uccert.protocols import CliParseError, SoapParseError, parse_network_cluster
from uccert.protocols import cli_commands as cli
from uccert.transport import (
    HOST_UNKNOWN,
    AuthenticationFailed,
    CliCommandFailed,
    ConnectFailed,
    ControlCenterClient,
    HostKeyError,
    HttpStatusError,
    ProbeProtocolError,
    ProbeRefused,
    TlsPinError,
    probe_presented,
)

Status = Literal["ok", "fail", "unused"]
T = TypeVar("T")
PROBE_TIMEOUT: Final = 10.0
# A diagnostic must report every failure as a row, never end in a traceback.
_FAILURES: Final = (Exception,)

# What to change, by what failed (the first matching row wins): the fix column of the table.
FIX_PIN: Final = "pin: verify the fingerprint with the node's admin, then `uccert pin NODE`"
FIX_OS_CREDS: Final = "credentials: check the OS admin username/password (os_admin)"
FIX_APP_CREDS: Final = "credentials: check the application admin username/password (app_admin)"
# The roles AXL needs: https://developer.cisco.com/docs/axl/faq ("Standard CCM Admin Users"
# and "Standard AXL API Access"); a user without them is refused like a wrong password.
FIX_AXL_AUTH: Final = (
    "credentials or role: check the app_admin password, and that the user has the roles"
    " 'Standard AXL API Access' and 'Standard CCM Admin Users'"
)
FIX_AXL_ROLE: Final = (
    "role: give the application user 'Standard AXL API Access' and 'Standard CCM Admin Users'"
)
# [guess] the serviceability role Control Center needs; Cisco's SOAP guide names no role.
FIX_CC_ROLE: Final = "role: give the application user 'Standard CCM Admin Users' (serviceability)"
FIX_REST_ROLE: Final = "role: the os_admin account must be a platform (OS) administrator"
# [guess] CLI privilege levels are set with `set account`; 4 is the administrator's.
FIX_CLI_ROLE: Final = "role: the OS admin needs CLI privilege level 4 (run the command by hand)"
FIX_FIREWALL: Final = "firewall: allow TCP {port} from this host to the node; check it is up"
FIX_AXL_SERVICE: Final = "service: activate Cisco AXL Web Service on the CUCM publisher"
FIX_SERVICE: Final = "service: check the service answering on the node (Cisco Tomcat) is up"
FIX_FORMAT: Final = "bug: run `uccert doctor --record DIR` and attach DIR to an issue"
FIX_PRESENCE: Final = (
    "presence domains: list IM/P's presence domains in the inventory"
    ' (presence_domains = ["..."], see IM and Presence Administration > Presence > Domains)'
)


@dataclass(frozen=True)
class Check:
    node: str
    interface: str
    status: Status
    detail: str = ""
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "node": self.node,
            "interface": self.interface,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
        }


def fix_for(exc: BaseException, interface: str, port: int) -> str:
    """What to change after ``exc`` on ``interface`` (reached on ``port``)."""
    app = interface.startswith(("AXL", "Control Center"))
    if isinstance(exc, HostKeyError | TlsPinError):
        return FIX_PIN
    if isinstance(exc, ProbeProtocolError) and HOST_UNKNOWN in str(exc):
        return FIX_PRESENCE
    axl = interface.startswith("AXL")
    if isinstance(exc, AuthenticationFailed):
        return FIX_AXL_AUTH if axl else FIX_APP_CREDS if app else FIX_OS_CREDS
    if isinstance(exc, HttpStatusError) and exc.status == 403:
        return FIX_AXL_ROLE if axl else FIX_CC_ROLE if app else FIX_REST_ROLE
    if isinstance(exc, CliCommandFailed):
        return FIX_CLI_ROLE
    if isinstance(exc, CliParseError | SoapParseError | ValueError):
        return FIX_FORMAT
    if interface.startswith("AXL") and isinstance(exc, HttpStatusError | ConfigError):
        return FIX_AXL_SERVICE
    if isinstance(exc, ConnectFailed | OSError | TimeoutError):
        return FIX_FIREWALL.format(port=port)
    if isinstance(exc, HttpStatusError):
        return FIX_SERVICE
    return FIX_FORMAT


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, UccertError) else f"{type(exc).__name__}: {text}"


class Doctor:
    """Runs every check of one cluster; ``checks`` and ``recordings`` hold what it found."""

    def __init__(
        self,
        config: ClusterConfig,
        credentials: ClusterCredentials,
        targets: NodeTargets,
        concurrency: int = 4,
    ) -> None:
        self.config = config
        self.targets = targets
        self.credentials = credentials
        self.checks: list[Check] = []
        self.recordings: dict[str, NodeRecording] = {}
        self._services: dict[str, tuple[ServiceState, ...]] = {}
        self._bound = asyncio.Semaphore(concurrency)

    def secrets(self) -> tuple[str, ...]:
        """Every password used: removed from whatever is recorded."""
        c = self.credentials
        return tuple(a.password.reveal() for a in (c.os_admin, c.app_admin) if a is not None)

    def _recording(self, node: DiscoveredNode) -> NodeRecording:
        found = self.recordings.get(node.name)
        if found is None:
            found = NodeRecording(node.name, node.fqdn, node.product.value, node.role.value)
            self.recordings[node.name] = found
        return found

    async def _try(
        self,
        node: str,
        interface: str,
        port: int,
        action: Callable[[], Awaitable[T]],
        detail: Callable[[T], str],
    ) -> T | None:
        try:
            value = await action()
        except _FAILURES as exc:
            self.checks.append(
                Check(node, interface, "fail", _reason(exc), fix_for(exc, interface, port))
            )
            return None
        self.checks.append(Check(node, interface, "ok", detail(value)))
        return value

    # -- the publisher: AXL, then the node list ------------------------------------------------

    def _publisher(self) -> DiscoveredNode:
        name = self.targets.publisher_name()
        return DiscoveredNode(name, self.config.publisher, Product.CUCM, Role.PUBLISHER)

    async def _axl(self) -> tuple[DiscoveredNode, ...] | None:
        pub = self._publisher()
        port = self.targets.http_target(pub.name, pub.fqdn, rest=False).port
        recording = self._recording(pub)

        async def run() -> tuple[str, str, tuple[DiscoveredNode, ...], int]:
            async with self.targets.axl_http() as http:
                record_http(http, recording, "axl")
                axl, version = await negotiate(http)
                nodes = nodes_from_axl(await axl.list_process_nodes(), self.config.nodes)
                groups = await axl.list_groups()
            return axl.version, version, nodes, len(groups)

        found = await self._try(
            pub.name,
            "AXL",
            port,
            run,
            lambda r: f"schema {r[0]} (publisher {r[1]}); {len(r[2])} nodes, {r[3]} groups",
        )
        if found is None:
            return None
        nodes = found[2]
        listed = next(
            (n for n in nodes if n.product is Product.CUCM and n.role is Role.PUBLISHER), None
        )
        if listed is not None and listed.name != pub.name:
            # The inventory names the publisher by address: keep one record per node, under
            # the name AXL gives it.
            del self.recordings[pub.name]
            self._recording(listed).http[:0] = recording.http
            self.checks = [
                replace(c, node=listed.name) if c.node == pub.name else c for c in self.checks
            ]
        return nodes

    # -- one node ------------------------------------------------------------------------------

    async def _cli(self, node: DiscoveredNode, fqdns: tuple[str, ...], publisher: bool) -> str:
        """SSH and every read command; the version (or "")."""
        recording = self._recording(node)
        target = self.targets.ssh_target(node.name, node.fqdn)
        timing = self.config.timing
        session = RecordingCliSession(
            target, login_timeout=timing.connect_timeout, command_timeout=timing.command_timeout
        )
        session.recording = recording
        port = target.port

        async def login() -> str:
            await session.connect()
            return "admin: prompt"

        if await self._try(node.name, "SSH login", port, login, str) is None:
            return ""
        try:
            version = await self._try(
                node.name, "CLI show version active", port, lambda: read_version(session), str
            )
            if publisher:
                await self._try(
                    node.name,
                    "CLI show network cluster",
                    port,
                    lambda: discover_over_cli(session),
                    lambda nodes: f"{len(nodes)} nodes",
                )
            await self._try(
                node.name,
                "CLI show cert list/own/trust",
                port,
                lambda: read_certs_cli(session, fqdns),
                lambda r: f"{len(r[0])} identities, {len(r[1])} trusts",
            )
            services = await self._try(
                node.name,
                "CLI utils service list",
                port,
                lambda: read_services(session),
                lambda s: f"{len(s)} services",
            )
        finally:
            await session.close()
        recording.version = version or ""
        self._services[node.name] = services or ()
        return version or ""

    async def _control_center(self, node: DiscoveredNode) -> None:
        recording = self._recording(node)
        port = self.targets.http_target(node.name, node.fqdn, rest=False).port

        async def run() -> int:
            async with self.targets.soap_http(node.name, node.fqdn) as http:
                record_http(http, recording, "controlcenter")
                return len((await ControlCenterClient(http).status()).services)

        await self._try(node.name, "Control Center SOAP", port, run, lambda n: f"{n} services")

    async def _rest(self, node: DiscoveredNode, fqdns: tuple[str, ...]) -> None:
        recording = self._recording(node)
        port = self.targets.http_target(node.name, node.fqdn, rest=True).port

        async def run() -> str:
            async with self.targets.rest_http(node.name, node.fqdn) as http:
                record_http(http, recording, "rest")
                ids, trusts = await read_certs_rest(http, fqdns)
            return f"{len(ids)} identities, {len(trusts)} trusts"

        await self._try(node.name, "REST certmgr snapshot", port, run, str)

    async def _listener(self, node: DiscoveredNode, unit: str) -> None:
        target = self.targets.probe_target(node.name, node.fqdn, unit)
        endpoint = catalog.unit(unit).endpoints[0]
        interface = f"TLS {unit} :{endpoint.port}"
        recording = self._recording(node)
        entry: dict[str, object] = {"unit": unit, "port": endpoint.port}
        try:
            cert = await probe_presented(target, PROBE_TIMEOUT)
        except _FAILURES as exc:
            entry["error"] = _reason(exc)
            recording.tls.append(entry)
            unused = not_in_use(unit, self._services.get(node.name, ()))
            if isinstance(exc, ProbeRefused) and unused is not None:
                self.checks.append(Check(node.name, interface, "unused", unused))
                return
            self.checks.append(
                Check(
                    node.name, interface, "fail", _reason(exc), fix_for(exc, interface, target.port)
                )
            )
            return
        entry["pem"] = cert.public_bytes(Encoding.PEM).decode("ascii")
        recording.tls.append(entry)
        self.checks.append(
            Check(node.name, interface, "ok", f"serial {format(cert.serial_number, 'x')}")
        )

    async def node(self, node: DiscoveredNode, fqdns: tuple[str, ...]) -> None:
        async with self._bound:
            version = await self._cli(
                node, fqdns, node.role is Role.PUBLISHER and node.product is Product.CUCM
            )
            await self._control_center(node)
            if major_version(version) >= catalog.REST_FROM_MAJOR:
                await self._rest(node, fqdns)
            for unit in WIRE_UNITS:
                if node.product in catalog.unit(unit).products:
                    await self._listener(node, unit)

    async def run(self) -> list[Check]:
        """Every check of the cluster, publisher first."""
        nodes = await self._axl()
        if nodes is None:
            nodes = (self._publisher(),)
        fqdns = tuple(n.fqdn for n in nodes)
        publisher, rest = nodes[0], nodes[1:]
        await self.node(publisher, fqdns)
        if len(nodes) == 1 and self._axl_failed():
            # AXL did not list the nodes: the publisher's CLI may (it was just recorded).
            listed = self._cli_nodes(publisher)
            rest = tuple(n for n in listed if n.name != publisher.name)
            fqdns = tuple(n.fqdn for n in (publisher, *rest))
        await asyncio.gather(*(self.node(n, fqdns) for n in rest))
        order = {n.name: i for i, n in enumerate((publisher, *rest))}
        self.checks.sort(key=lambda c: order.get(c.node, len(order)))
        return self.checks

    def _axl_failed(self) -> bool:
        return any(c.interface == "AXL" and c.status == "fail" for c in self.checks)

    def _cli_nodes(self, publisher: DiscoveredNode) -> tuple[DiscoveredNode, ...]:
        recording = self.recordings.get(publisher.name)
        for entry in recording.cli if recording else []:
            if entry["command"] == cli.SHOW_NETWORK_CLUSTER:
                try:
                    return nodes_from_lines(parse_network_cluster(entry["output"]))
                except _FAILURES:
                    return ()
        return ()


def all_ok(checks: list[Check]) -> bool:
    """Whether every interface uccert needs works (``unused`` listeners are not needed)."""
    return bool(checks) and all(c.status != "fail" for c in checks)
