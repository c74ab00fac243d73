"""A running lab whose HTTPS (AXL, Certificate Management REST) a test calls like a real client.

Real sockets: each node's Cisco Tomcat listener on 127.0.0.1 (the ``https`` port of the ready
file), verified with hostname checking on (SNI = the node's FQDN) against exactly the tomcat
cert the node presents (pinning: the lab's certs are self-signed).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.lab.servers.http_context import LabAccounts
from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import Topology


@dataclass
class HttpLab:
    running: RunningLab
    accounts: LabAccounts

    def url(self, node: str, path: str) -> str:
        return f"https://127.0.0.1:{self.port(node)}{path}"

    def port(self, node: str) -> int:
        """The node's HTTPS port, as the ready file gives it to clients."""
        entry = next(n for n in self.running.ready["nodes"] if n["name"] == node)
        return int(entry["ports"]["https"])

    def pinned(self, node: str) -> ssl.SSLContext:
        """Verification on, trusting exactly the tomcat cert the node presents now."""
        cert = self.running.lab.presented_cert(node, "tomcat")
        assert cert is not None, f"Cisco Tomcat is not Started on {node}"
        return ssl.create_default_context(cadata=cert.public_bytes(Encoding.PEM).decode())

    def client(self, node: str, auth: tuple[str, str] | None = None) -> httpx.AsyncClient:
        fqdn = self.running.lab.spec(node).fqdn

        async def sni(request: httpx.Request) -> None:
            request.extensions["sni_hostname"] = fqdn  # the name the cert is checked against

        return httpx.AsyncClient(
            verify=self.pinned(node),
            auth=auth,
            timeout=30,
            trust_env=False,
            event_hooks={"request": [sni]},
        )


@contextlib.asynccontextmanager
async def open_http_lab(
    state_dir: Path,
    *,
    version: str | None = None,
    topology: Topology | None = None,
) -> AsyncIterator[HttpLab]:
    async with running_lab(
        preset_name="minimal", version=version, topology=topology, state_dir=state_dir
    ) as running:
        creds = running.credentials
        accounts = LabAccounts(creds.os_admin, creds.app_admin, creds.os_readonly)
        yield HttpLab(running, accounts)
