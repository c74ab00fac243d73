"""Where and how to reach each node: the one place that builds SSH targets and sessions.

Addresses and ports come from the inventory's ``[clusters.NAME.nodes."NODE"]`` overrides (the
node's FQDN and port 22 otherwise); host keys from ``known_hosts`` in the pins directory (the
inventory's folder); the OS admin password from the resolved credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from uccert.config import ClusterConfig, ClusterCredentials, NodeOverride
from uccert.transport import AdminCliSession, KnownHostsStore, SshTarget

SSH_PORT: Final = 22


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
