"""Wire probes: which certificate a node's listener presents right now (docs/design/procedure.md
§7).

A service presents the cert it loaded when it last started (docs/design/interfaces.md §5), so
comparing
the probed serial with the stored one tells whether a restart is still pending:

| probe kind | units            | how                                                          |
|------------|------------------|--------------------------------------------------------------|
| ``tls``    | tomcat, cup      | direct TLS (8443, SIP TLS 5061)                              |
| ``xmpp-*`` | cup-xmpp(-s2s)   | XMPP stream, STARTTLS (RFC 6120 §5.4), then TLS (5222, 5269) |

A probe only *reads*: by default the handshake trusts nothing (``CERT_NONE``), the certificate
proves nothing by itself, and nothing is sent after the handshake. Callers compare it with the
cert read over the authenticated SSH session; never use a probe's connection to talk to a node.
A caller that wants the chain judged passes its own ``verify`` context (only its anchors, host
name checked against the node's FQDN); a chain that does not validate raises
:class:`ProbeUntrusted`.

Outcomes are typed: :class:`ProbeRefused` (nothing listens, the connection was reset, the
TLS handshake or STARTTLS was refused: nothing presents a cert there now), :class:`ProbeTimeout`
and :class:`ProbeUnreachable` (no answer, no route: try again), :class:`ProbeProtocolError`
(the XMPP side was not RFC 6120).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cryptography import x509

from uccert.errors import ClusterError
from uccert.protocols import (
    CLOSE,
    StartTlsClient,
    StartTlsRefused,
    StreamKind,
    XmppError,
    XmppStreamError,
)

DEFAULT_PROBE_TIMEOUT: Final = 10.0
READ_SIZE: Final = 65536
POLITE_WAIT: Final = 2.0  # seconds for the server's answer to our stream restart over TLS
HOST_UNKNOWN: Final = "host-unknown"  # RFC 6120 §4.9.3.6: try the next candidate domain


class ProbeKind(StrEnum):
    TLS = "tls"
    XMPP_C2S = "xmpp-c2s"
    XMPP_S2S = "xmpp-s2s"


@dataclass(frozen=True)
class ProbeTarget:
    """Where one unit is presented. ``server_name`` is the node's FQDN (SNI for direct TLS);
    ``xmpp_domains`` the ``to`` domains tried in turn for XMPP (first that is served wins)."""

    unit: str
    address: str
    port: int
    server_name: str
    kind: ProbeKind
    xmpp_domains: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.unit} on {self.server_name} ({self.address}:{self.port})"


class ProbeError(ClusterError):
    """A probe that read no certificate."""


class ProbeRefused(ProbeError, ConnectionError):
    """Nothing presents a certificate there now (closed port, reset, handshake refused)."""


class ProbeUnreachable(ProbeError, ConnectionError):
    """The node could not be reached at all (no route, name not resolved): try again."""


class ProbeTimeout(ProbeError, TimeoutError):
    """The listener did not answer in time."""


class ProbeProtocolError(ProbeError):
    """The listener answered, but not as RFC 6120 describes."""


class ProbeUntrusted(ProbeError):
    """The presented chain does not validate under the caller's ``verify`` context."""


def probe_context() -> ssl.SSLContext:
    """Reads the presented cert without trusting it: never a trust decision by itself; the
    caller compares the cert with the one read over pinned SSH."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # read-only probe: the caller compares with the SSH view
    return ctx


def _peer_cert(writer: asyncio.StreamWriter, target: ProbeTarget) -> x509.Certificate:
    ssl_object = writer.get_extra_info("ssl_object")
    der = None if ssl_object is None else ssl_object.getpeercert(binary_form=True)
    if not der:
        raise ProbeRefused(f"{target.label} presented no certificate")
    return x509.load_der_x509_certificate(der)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError, TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _direct_tls(target: ProbeTarget, verify: ssl.SSLContext | None) -> x509.Certificate:
    _, writer = await asyncio.open_connection(
        target.address,
        target.port,
        ssl=verify or probe_context(),
        server_hostname=target.server_name,
    )
    try:
        return _peer_cert(writer, target)
    finally:
        await _close(writer)


async def _connect(address: str, port: int) -> socket.socket:
    """A connected non-blocking TCP socket (the first address that answers)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"{address} has no address")
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error


async def _xmpp_once(
    target: ProbeTarget, domain: str, verify: ssl.SSLContext | None
) -> x509.Certificate:
    """STARTTLS in the clear on a plain socket, then TLS on that same socket (RFC 6120
    §5.4.3.3); SNI names the XMPP domain (RFC 7590 recommends it) when the cert is only read,
    the node's FQDN when ``verify`` judges it (the name the cert must carry)."""
    loop = asyncio.get_running_loop()
    kind = StreamKind.C2S if target.kind is ProbeKind.XMPP_C2S else StreamKind.S2S
    sock = await _connect(target.address, target.port)
    try:
        client = StartTlsClient(domain, kind)
        await loop.sock_sendall(sock, client.opening())
        while not client.proceeded:
            data = await loop.sock_recv(sock, READ_SIZE)
            if not data:
                raise ProbeRefused(f"{target.label}: the server closed the stream before TLS")
            reply = client.receive(data)
            if reply:
                await loop.sock_sendall(sock, reply)
    except BaseException:
        sock.close()
        raise
    # A fresh TLS stream over the socket (StreamWriter.start_tls on 3.11 leaves the protocol
    # thinking it is in the clear, which logs noise at the peer's close). From here a transport
    # owns the socket: closing it under that transport frees its fd number while asyncio still
    # maps the number to the transport, and the next connection given that number fails with
    # "RuntimeError: File descriptor N is used by transport". Seen once at 100 clusters; the
    # likely path: the probe's timeout cancels this after asyncio made the transport but before
    # its handshake began, and asyncio's close of a transport not yet handshaking does nothing
    # (Python 3.11 sslproto). So this is shielded from cancellation, and a stream it opens
    # after a cancellation is closed through its transport.
    opening = asyncio.ensure_future(
        asyncio.open_connection(
            sock=sock,
            ssl=verify or probe_context(),
            server_hostname=domain if verify is None else target.server_name,
        )
    )
    try:
        reader, writer = await asyncio.shield(opening)
    except asyncio.CancelledError:
        opening.add_done_callback(_close_opened)
        raise
    try:
        cert = _peer_cert(writer, target)
        await _leave_politely(reader, writer, client.opening())
        return cert
    finally:
        await _close(writer)


Opened = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def _close_opened(opening: asyncio.Future[Opened]) -> None:
    """The stream an abandoned ``open_connection`` opened, closed through its transport (a
    failed one closed its own)."""
    if not opening.cancelled() and opening.exception() is None:
        opening.result()[1].close()


async def _leave_politely(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, header: bytes
) -> None:
    """Restart the stream over TLS as RFC 6120 §5.4.3.3 expects, take the server's answer,
    then close the stream (§4.4) rather than vanish mid-negotiation. Best effort: the cert is
    already read, so nothing here can fail the probe."""
    with contextlib.suppress(OSError, ssl.SSLError, TimeoutError, ConnectionError):
        writer.write(header)
        await writer.drain()
        await asyncio.wait_for(reader.read(READ_SIZE), POLITE_WAIT)
        writer.write(CLOSE)
        await writer.drain()


async def _xmpp(target: ProbeTarget, verify: ssl.SSLContext | None) -> x509.Certificate:
    domains = target.xmpp_domains or (target.server_name,)
    for i, domain in enumerate(domains):
        try:
            return await _xmpp_once(target, domain, verify)
        except XmppStreamError as exc:
            if exc.condition != HOST_UNKNOWN or i == len(domains) - 1:
                raise
    raise AssertionError("unreachable: the last domain's error is raised")


async def probe_presented(
    target: ProbeTarget,
    timeout: float = DEFAULT_PROBE_TIMEOUT,
    *,
    verify: ssl.SSLContext | None = None,
) -> x509.Certificate:
    """The certificate ``target`` presents now (raises ProbeRefused/Timeout/ProtocolError, and
    ProbeUntrusted when a ``verify`` context rejects the chain)."""
    tls = target.kind is ProbeKind.TLS
    run = _direct_tls(target, verify) if tls else _xmpp(target, verify)
    try:
        return await asyncio.wait_for(run, timeout)
    except TimeoutError:
        raise ProbeTimeout(
            f"{target.label} did not answer within {timeout:g} s: check the node, then retry"
        ) from None
    except StartTlsRefused as exc:
        raise ProbeRefused(f"{target.label}: {exc}") from None
    except XmppError as exc:
        raise ProbeProtocolError(f"{target.label}: {exc}") from None
    except ProbeError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise ProbeUntrusted(f"{target.label}: {exc.verify_message or exc}") from None
    except (ssl.SSLError, ConnectionError, asyncio.IncompleteReadError) as exc:
        raise ProbeRefused(f"{target.label}: {type(exc).__name__}: {exc or 'closed'}") from None
    except OSError as exc:  # no route, name not resolved: not an answer from the node
        raise ProbeUnreachable(
            f"{target.label} cannot be reached ({exc.strerror or exc}): check the address"
        ) from None
