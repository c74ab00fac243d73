"""Direct-TLS listeners of an IM and Presence node, and the plumbing its TCP listeners share.

- ``StreamServer``: a ``BoundServer`` over ``asyncio.start_server`` on 127.0.0.1 that keeps track
  of its connections, so that closing it (the service stopped, or restarted with a new cert)
  also ends the conversations in progress, as a real service going down does.
- ``SipTlsServer``: SIP over TLS (5061 on a real node). It presents the ``cup`` cert loaded by
  Cisco SIP Proxy; after the handshake it reads and discards what the client sends and closes
  politely (TLS close_notify) when the client is done or stays idle. It speaks no SIP: what the
  lab offers on this port is the certificate.
- ``imp_listeners(lab, node)``: the ``sip_tls``, ``xmpp_c2s`` and ``xmpp_s2s`` listeners of one
  IM/P node (names as in the ready file). CUCM nodes have none.

Which service loads which cert, and when, is the Lab's business (``Lab.presented_identity``);
``ServiceBoundListener`` follows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from abc import ABC, abstractmethod
from typing import Any

from cryptography import x509

from uccert.lab.state import Lab, PrivateKey

from .service_bound import WATCH_INTERVAL, ServiceBoundListener, server_ssl_context

HOST = "127.0.0.1"
HANDSHAKE_TIMEOUT = 10.0  # real seconds
IDLE_TIMEOUT = 60.0  # real seconds without a byte from the client before we close
CLOSE_TIMEOUT = 5.0
READ_SIZE = 65536


class StreamServer(ABC):
    """A ``BoundServer`` that serves each connection with ``handle(reader, writer)``.

    ``tls=True`` serves direct TLS with the identity given to ``open``; otherwise the connection
    starts in the clear and ``self.ssl_context`` is there for a STARTTLS upgrade.
    """

    tls = False

    def __init__(self, host: str = HOST) -> None:
        self.host = host
        self.ssl_context: ssl.SSLContext | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    async def open(self, port: int, cert: x509.Certificate, key: PrivateKey) -> None:
        self.ssl_context = server_ssl_context(cert, key)
        self._server = await asyncio.start_server(
            self._serve,
            self.host,
            port,
            ssl=self.ssl_context if self.tls else None,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self.tls else None,
            reuse_address=True,
            reuse_port=True,  # beside the socket holding the port (service_bound.hold_port)
        )

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()  # no new connections: the port refuses from now on
        for task in list(self._conns):
            task.cancel()
        if self._conns:
            await asyncio.wait(list(self._conns), timeout=CLOSE_TIMEOUT)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), CLOSE_TIMEOUT)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            await self.handle(reader, writer)
        except (asyncio.CancelledError, ConnectionError, ssl.SSLError, TimeoutError, OSError):
            pass
        finally:
            self._conns.discard(task)
            await close_writer(writer)

    @abstractmethod
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection; ``_serve`` closes the writer afterwards."""


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """Close politely (TLS close_notify when on TLS), never hanging on a vanished peer."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
    except (asyncio.CancelledError, Exception):
        transport: Any = writer.transport
        transport.abort()


class SipTlsServer(StreamServer):
    """Direct TLS presenting the cup cert; reads and discards until the client is done."""

    tls = True

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await asyncio.wait_for(reader.read(READ_SIZE), IDLE_TIMEOUT):
            pass


def imp_listeners(
    lab: Lab, node: str, interval: float = WATCH_INTERVAL
) -> dict[str, ServiceBoundListener]:
    """The TLS listeners of an IM/P node by ready-file name (none for a CUCM node)."""
    from .xmpp import XmppServer  # xmpp builds on StreamServer

    if lab.spec(node).product != "imp":
        return {}
    domain = lab.topology.domain
    fqdn = lab.spec(node).fqdn
    presence = lab.topology.presence_domains
    return {
        "sip_tls": ServiceBoundListener(lab, node, "cup", SipTlsServer(), interval=interval),
        "xmpp_c2s": ServiceBoundListener(
            lab, node, "cup-xmpp", XmppServer("c2s", domain, fqdn, presence), interval=interval
        ),
        "xmpp_s2s": ServiceBoundListener(
            lab,
            node,
            "cup-xmpp-s2s",
            XmppServer("s2s", domain, fqdn, presence),
            interval=interval,
        ),
    }
