"""Where and how to reach each node: the one place that builds SSH targets and sessions.

Addresses and ports come from the inventory's ``[clusters.NAME.nodes."NODE"]`` overrides (the
node's FQDN and ports 22 / 8443 / 443 otherwise; REST uses ``rest_port``, else ``https_port``
when only that is set, as one Tomcat port may serve both; the wire probes 8443 / 5061 / 5222 /
5269 unless ``https_port`` / ``sip_tls_port`` / ``xmpp_c2s_port`` / ``xmpp_s2s_port`` say
otherwise); SSH host keys from ``known_hosts`` and TLS pins from ``tls_pins.json`` in the pins
directory (the inventory's folder); the OS admin (SSH, REST) and application admin (AXL,
Control Center) from the resolved credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from uccert.config import ClusterConfig, ClusterCredentials, NodeOverride
from uccert.transport import AdminCliSession, KnownHostsStore, SshTarget
from uccert.transport.http import HttpTarget, http_client
from uccert.transport.tls_pins import TlsPinStore
from uccert.transport.tls_probe import ProbeKind, ProbeTarget

SSH_PORT: Final = 22
AXL_PORT: Final = 8443  # Tomcat: AXL, Control Center
REST_PORT: Final = 443  # Certificate Management REST (14 and later)
SIP_TLS_PORT: Final = 5061  # cup (Cisco SIP Proxy)
XMPP_C2S_PORT: Final = 5222  # cup-xmpp (Cisco XCP Connection Manager)
XMPP_S2S_PORT: Final = 5269  # cup-xmpp-s2s (Cisco XCP XMPP Federation Connection Manager)
WIRE_UNITS: Final = ("tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s")  # units a probe can see


def xmpp_domains(fqdn: str) -> tuple[str, ...]:
    """The ``to`` domains a probe tries: the node's DNS domain (IM/P's default presence domain
    [doc: IM and Presence configuration guide, "default domain"]), then the FQDN itself."""
    if fqdn.replace(".", "").isdigit() or ":" in fqdn or "." not in fqdn:
        return (fqdn,)
    return (fqdn.split(".", 1)[1], fqdn)


@dataclass(frozen=True)
class NodeTargets:
    """Builds connections to one cluster's nodes."""

    cluster: ClusterConfig
    credentials: ClusterCredentials
    pins_dir: Path

    def override(self, name: str, fqdn: str | None = None) -> NodeOverride:
        """The node's override, looked up by CUCM name, then by FQDN (empty if none)."""
        nodes = self.cluster.nodes
        found = nodes.get(name) or (nodes.get(fqdn) if fqdn else None)
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
        return http_client(target, (account.username, account.password))

    def soap_http(self, name: str, fqdn: str, also_trust: str = "") -> httpx.AsyncClient:
        """HTTPS to one node's Tomcat port as the application admin (Control Center SOAP acts
        only on the node it is called on, INTERFACES.md §2)."""
        account = self.credentials.app_admin
        target = self.http_target(name, fqdn, rest=False, also_trust=also_trust)
        return http_client(target, (account.username, account.password))

    def probe_target(self, name: str, fqdn: str, unit: str) -> ProbeTarget:
        """Where ``unit`` is presented on the node (ValueError for a unit no listener shows)."""
        over = self.override(name, fqdn)
        address = over.address or fqdn
        if unit == "tomcat":
            return ProbeTarget(unit, address, over.https_port or AXL_PORT, fqdn, ProbeKind.TLS)
        if unit == "cup":
            port = over.sip_tls_port or SIP_TLS_PORT
            return ProbeTarget(unit, address, port, fqdn, ProbeKind.TLS)
        if unit == "cup-xmpp":
            port = over.xmpp_c2s_port or XMPP_C2S_PORT
            return ProbeTarget(unit, address, port, fqdn, ProbeKind.XMPP_C2S, xmpp_domains(fqdn))
        if unit == "cup-xmpp-s2s":
            port = over.xmpp_s2s_port or XMPP_S2S_PORT
            return ProbeTarget(unit, address, port, fqdn, ProbeKind.XMPP_S2S, xmpp_domains(fqdn))
        raise ValueError(f"no listener presents {unit!r}: probe one of {', '.join(WIRE_UNITS)}")

    def rest_http(self, name: str, fqdn: str) -> httpx.AsyncClient:
        """HTTPS to one node as the OS admin (Certificate Management REST)."""
        account = self.credentials.os_admin
        target = self.http_target(name, fqdn, rest=True)
        return http_client(target, (account.username, account.password))
