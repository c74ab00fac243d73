"""Listeners that are open only while a service runs, presenting the cert it loaded.

On a real node a TLS port belongs to a service: Cisco Tomcat serves 8443/443, Cisco SIP Proxy
5061, the XCP services 5222/5269. While the service is down the port refuses connections, and
after a restart it presents the cert the service loaded at that start. ``ServiceBoundListener``
keeps one listener in step with ``Lab.presented_identity(node, unit)``: it opens when an identity
appears, closes when it goes, and reopens when the presented serial changes.

The port is held for the listener's lifetime (the ready file names it): a socket bound to it
with ``SO_REUSEPORT`` and never listening. While the service is down nothing listens, so
connections are refused as on a closed port, yet no other bind can take the number; each
opening binds its listening socket beside the holder (``SO_REUSEPORT`` too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import tempfile
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from uccert.lab.state import Lab, PrivateKey

WATCH_INTERVAL = 0.02  # real seconds between looks at the lab

log = logging.getLogger(__name__)


class BoundServer(Protocol):
    """One way of serving a port (raw TLS, XMPP STARTTLS, HTTPS) with a given identity."""

    async def open(self, port: int, cert: x509.Certificate, key: PrivateKey) -> None: ...

    async def close(self) -> None: ...


def hold_port(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A socket bound to ``port`` (0: an ephemeral one) that never listens: it keeps the number
    for every (re)opening of one listener. Listening sockets join it with ``reuse_port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def server_ssl_context(cert: x509.Certificate, key: PrivateKey) -> ssl.SSLContext:
    """A server context presenting exactly ``cert`` (the ssl module loads keys from files only)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory(prefix="uccert-lab-tls-") as tmp:
        path = Path(tmp) / "identity.pem"
        path.touch(mode=0o600)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            + cert.public_bytes(serialization.Encoding.PEM)
        )
        context.load_cert_chain(path)
    return context


class ServiceBoundListener:
    """Follows what (node, unit) presents and opens or closes ``server`` to match."""

    def __init__(
        self,
        lab: Lab,
        node: str,
        unit: str,
        server: BoundServer,
        port: int | None = None,
        interval: float = WATCH_INTERVAL,
    ) -> None:
        self.lab = lab
        self.node = node
        self.unit = unit
        self.server = server
        self._hold = hold_port(port=port or 0)
        self.port: int = self._hold.getsockname()[1]
        self._interval = interval
        self._failing = False  # the last opening failed (logged once until one succeeds)
        self._serving: int | None = None  # serial presented now, None while closed
        self._task: asyncio.Task[None] | None = None
        # The watcher and a caller (a test, the runtime) may sync at once: one at a time.
        self._lock = asyncio.Lock()

    @property
    def serving_serial(self) -> int | None:
        return self._serving

    async def sync(self) -> None:
        """Bring the listener in line with the lab now."""
        async with self._lock:
            identity = self.lab.presented_identity(self.node, self.unit)
            wanted = identity[0].serial_number if identity else None
            if wanted == self._serving:
                return
            if self._serving is not None:
                self._serving = None
                await self.server.close()
            if identity is not None:
                await self.server.open(self.port, *identity)
                self._serving = wanted

    async def start(self) -> None:
        await self.sync()
        self._task = asyncio.create_task(self._watch(), name=f"{self.node}:{self.unit} listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        async with self._lock:
            if self._serving is not None:
                self._serving = None
                await self.server.close()
        self._hold.close()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep watching, retry at the next look; say so once
                if not self._failing:
                    log.warning(
                        "%s %s listener on port %d cannot open (%s); retrying every %g s",
                        self.node,
                        self.unit,
                        self.port,
                        exc,
                        self._interval,
                    )
                self._failing = True
            else:
                if self._failing:
                    log.warning("%s %s listener on port %d open", self.node, self.unit, self.port)
                self._failing = False
