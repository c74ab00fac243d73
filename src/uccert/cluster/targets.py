"""Where and how to reach each node: the one place that builds SSH targets and sessions.

Addresses and ports come from the inventory's ``[clusters.NAME.nodes."NODE"]`` overrides (the
node's FQDN and ports 22 / 8443 / 443 otherwise; REST uses ``rest_port``, else ``https_port``
when only that is set, as one Tomcat port may serve both; the wire probes 8443 / 5061 / 5222 /
5269 unless ``https_port`` / ``sip_tls_port`` / ``xmpp_c2s_port`` / ``xmpp_s2s_port`` say
otherwise); SSH host keys from ``known_hosts`` and TLS pins from ``tls_pins.json`` in the pins
directory (the inventory's folder); the OS admin (SSH, REST) and application admin (AXL,
Control Center) from the resolved credentials.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

import httpx

from uccert import catalog
from uccert.catalog import WIRE_UNITS, TlsMode
from uccert.config import ClusterConfig, ClusterCredentials, NodeOverride
from uccert.transport import (
    AdminCliSession,
    HttpTarget,
    KnownHostsStore,
    ProbeKind,
    ProbeTarget,
    SshTarget,
    TlsPinStore,
    http_client,
    node_timeout,
)

SSH_PORT: Final = 22
AXL_PORT: Final = 8443  # Tomcat: AXL, Control Center
REST_PORT: Final = 443  # Certificate Management REST (14 and later)
# The inventory field that moves each catalog wire port (§7) of a node.
PORT_OVERRIDES: Final[Mapping[int, str]] = MappingProxyType(
    {
        AXL_PORT: "https_port",
        REST_PORT: "rest_port",
        5061: "sip_tls_port",
        5222: "xmpp_c2s_port",
        5269: "xmpp_s2s_port",
    }
)
PROBE_KINDS: Final[Mapping[TlsMode, ProbeKind]] = MappingProxyType(
    {
        TlsMode.DIRECT: ProbeKind.TLS,
        TlsMode.STARTTLS_C2S: ProbeKind.XMPP_C2S,
        TlsMode.STARTTLS_S2S: ProbeKind.XMPP_S2S,
    }
)


def _is_address(name: str) -> bool:
    return name.replace(".", "").isdigit() or ":" in name


def xmpp_domains(fqdn: str, presence_domains: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The ``to`` domains a probe tries: the cluster's presence domains from the inventory
    (IM/P serves XMPP only for its presence domains, which an administrator sets in IM and
    Presence Administration and which may differ from the DNS domain; AXL has no request that
    lists them), then the node's DNS domain (IM/P's default presence domain [doc: IM and
    Presence configuration guide, "default domain"]), then the FQDN itself."""
    if fqdn.replace(".", "").isdigit() or ":" in fqdn or "." not in fqdn:
        tried: tuple[str, ...] = (fqdn,)
    else:
        tried = (fqdn.split(".", 1)[1], fqdn)
    return tuple(dict.fromkeys((*presence_domains, *tried)))


@dataclass(frozen=True)
class NodeTargets:
    """Builds connections to one cluster's nodes."""

    cluster: ClusterConfig
    credentials: ClusterCredentials
    pins_dir: Path

    def override(self, name: str, fqdn: str | None = None) -> NodeOverride:
        """The node's override, looked up by CUCM name, then by FQDN, then (a DNS-less
        cluster knows its nodes by host name) by the host name of an FQDN key; empty if none."""
        nodes = self.cluster.nodes
        found = nodes.get(name) or (nodes.get(fqdn) if fqdn else None)
        if found is None:
            wanted = {name.lower(), (fqdn or name).lower()}
            hosts = {n.split(".", 1)[0] for n in wanted if not _is_address(n)}
            found = next(
                (
                    over
                    for key, over in nodes.items()
                    if key.lower() in wanted
                    or (not _is_address(key) and key.lower().split(".", 1)[0] in hosts)
                ),
                None,
            )
        return found if found is not None else NodeOverride()

    def ssh_target(self, name: str, fqdn: str) -> SshTarget:
        over = self.override(name, fqdn)
        account = self.credentials.os_admin
        return SshTarget(
            host=over.address or fqdn,
            port=over.ssh_port or SSH_PORT,
            username=account.username,
            password=account.password.reveal(),
            known_hosts=KnownHostsStore(self.pins_dir).source(),
            node=name,
        )

    def publisher_name(self) -> str:
        """The publisher's node name: the override whose name or address is the publisher,
        else the first label of its FQDN."""
        publisher = self.cluster.publisher
        if publisher in self.cluster.nodes:
            return publisher
        short = publisher.split(".", 1)[0]
        return short

    def cli_session(self, name: str, fqdn: str) -> AdminCliSession:
        timing = self.cluster.timing
        return AdminCliSession(
            self.ssh_target(name, fqdn),
            login_timeout=timing.connect_timeout,
            command_timeout=timing.command_timeout,
        )

    def http_target(self, name: str, fqdn: str, *, rest: bool, also_trust: str = "") -> HttpTarget:
        """``also_trust``: PEM trusted besides the pin (a cert just read over SSH)."""
        over = self.override(name, fqdn)
        port = (over.rest_port or over.https_port or REST_PORT) if rest else over.https_port
        pinned = TlsPinStore(self.pins_dir).pinned(fqdn) or ""
        if pinned and also_trust and not pinned.endswith("\n"):
            pinned += "\n"
        return HttpTarget(fqdn, over.address or fqdn, port or AXL_PORT, pinned + also_trust)

    def axl_http(self) -> httpx.AsyncClient:
        """HTTPS to the CUCM publisher as the application admin (AXL)."""
        fqdn = self.cluster.publisher
        account = self.credentials.app_admin
        target = self.http_target(self.publisher_name(), fqdn, rest=False)
        return http_client(
            target,
            (account.username, account.password),
            timeout=node_timeout(self.cluster.timing.connect_timeout),
        )

    def soap_http(self, name: str, fqdn: str, also_trust: str = "") -> httpx.AsyncClient:
        """HTTPS to one node's Tomcat port as the application admin (Control Center SOAP acts
        only on the node it is called on, docs/design/interfaces.md §2)."""
        account = self.credentials.app_admin
        target = self.http_target(name, fqdn, rest=False, also_trust=also_trust)
        return http_client(
            target,
            (account.username, account.password),
            timeout=node_timeout(self.cluster.timing.connect_timeout),
        )

    def probe_target(self, name: str, fqdn: str, unit: str) -> ProbeTarget:
        """Where ``unit`` is presented on the node: the catalog's first endpoint (§7), its port
        moved by the inventory's override (ValueError for a unit no listener shows)."""
        if unit not in WIRE_UNITS:
            raise ValueError(f"no listener presents {unit!r}: probe one of {', '.join(WIRE_UNITS)}")
        endpoint = catalog.unit(unit).endpoints[0]
        over = self.override(name, fqdn)
        port = getattr(over, PORT_OVERRIDES[endpoint.port]) or endpoint.port
        kind = PROBE_KINDS[endpoint.tls]
        presence = self.cluster.presence_domains
        domains = () if kind is ProbeKind.TLS else xmpp_domains(fqdn, presence)
        return ProbeTarget(unit, over.address or fqdn, port, fqdn, kind, domains)

    def rest_http(self, name: str, fqdn: str) -> httpx.AsyncClient:
        """HTTPS to one node as the OS admin (Certificate Management REST)."""
        account = self.credentials.os_admin
        target = self.http_target(name, fqdn, rest=True)
        return http_client(
            target,
            (account.username, account.password),
            timeout=node_timeout(self.cluster.timing.connect_timeout),
        )
