"""After the restarts: does every node present the uploaded cert, and does it validate against
the uploaded root? (PROCEDURE.md §7, for CA-signed uploads.)

Two handshakes per node and unit endpoint (tomcat 8443, cup 5061 direct TLS; cup-xmpp 5222,
cup-xmpp-s2s 5269 via XMPP STARTTLS; ports from the inventory's node overrides):

1. an identifying handshake that trusts nothing, only to see which cert is presented (nothing
   is sent after it), so that "still the old cert: restart the service" can be told apart from
   "the chain is wrong";
2. when it is the uploaded leaf, a verifying handshake whose only anchors are the uploaded
   root and intermediates, checking the node's FQDN: it succeeds only if the node's chain
   validates against the uploaded root.

The restart wiring (HA off, publisher first) belongs to the planner; call
:func:`verify_on_wire` once those restarts are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.ca.chain import fingerprint
from uccert.ca.upload_checks import UploadPlan
from uccert.cluster.targets import NodeTargets
from uccert.config import NodeOverride
from uccert.errors import ClusterError
from uccert.model import Node
from uccert.transport.tls_probe import probe_context

StartTls = Literal["c2s", "s2s"] | None


@dataclass(frozen=True)
class Endpoint:
    port_field: str  # NodeOverride attribute
    default_port: int
    starttls: StartTls
    service: str  # what to restart when the old cert is still presented


ENDPOINTS: Final[Mapping[str, Endpoint]] = {
    "tomcat": Endpoint("https_port", 8443, None, "Cisco Tomcat"),
    "cup": Endpoint("sip_tls_port", 5061, None, "Cisco SIP Proxy"),
    "cup-xmpp": Endpoint("xmpp_c2s_port", 5222, "c2s", "Cisco XCP Router"),
    "cup-xmpp-s2s": Endpoint("xmpp_s2s_port", 5269, "s2s", "Cisco XCP Router"),
}
TIMEOUT: Final = 10.0
STREAMS_NS: Final = "http://etherx.jabber.org/streams"
TLS_NS: Final = "urn:ietf:params:xml:ns:xmpp-tls"
MAX_STREAM_BYTES: Final = 65536


@dataclass(frozen=True)
class WireCheck:
    node: str
    unit: str
    ok: bool
    detail: str


def _port(over: NodeOverride, endpoint: Endpoint) -> int:
    value = getattr(over, endpoint.port_field, None)
    return value if isinstance(value, int) else endpoint.default_port


async def _read_until(reader: asyncio.StreamReader, marker: bytes, what: str) -> bytes:
    data = b""
    while marker not in data:
        chunk = await reader.read(4096)
        if not chunk:
            raise ClusterError(f"the XMPP stream closed before {what}")
        data += chunk
        if len(data) > MAX_STREAM_BYTES:
            raise ClusterError(f"no {what} in the first {MAX_STREAM_BYTES} bytes of the stream")
    return data


async def _starttls(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, kind: str, domain: str
) -> None:
    """Open an XMPP stream to ``domain`` and ask for STARTTLS (RFC 6120 §5.4)."""
    content = "jabber:client" if kind == "c2s" else "jabber:server"
    writer.write(
        f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' "
        f"xmlns='{content}' xmlns:stream='{STREAMS_NS}'>".encode()
    )
    await writer.drain()
    features = await _read_until(reader, b"</stream:features>", "the stream features")
    if b"starttls" not in features:
        raise ClusterError("the XMPP server does not offer STARTTLS")
    writer.write(f"<starttls xmlns='{TLS_NS}'/>".encode())
    await writer.drain()
    answer = await _read_until(reader, b">", "the STARTTLS answer")
    while b"proceed" not in answer and b"failure" not in answer:
        answer += await _read_until(reader, b">", "the STARTTLS answer")
    if b"proceed" not in answer:
        raise ClusterError("the XMPP server refused STARTTLS")


async def presented_cert(
    address: str,
    port: int,
    server_name: str,
    context: ssl.SSLContext,
    starttls: StartTls = None,
    xmpp_domain: str | None = None,
) -> x509.Certificate:
    """The leaf a TLS endpoint presents under ``context`` (a verify failure raises
    ``ssl.SSLCertVerificationError``); nothing is sent after the handshake."""
    async with asyncio.timeout(TIMEOUT):
        if starttls is None:
            reader, writer = await asyncio.open_connection(
                address, port, ssl=context, server_hostname=server_name
            )
        else:
            reader, writer = await asyncio.open_connection(address, port)
            try:
                await _starttls(reader, writer, starttls, xmpp_domain or server_name)
                await writer.start_tls(context, server_hostname=server_name)
            except BaseException:
                writer.close()
                raise
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = None if ssl_object is None else ssl_object.getpeercert(binary_form=True)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    if not der:
        raise ClusterError(f"{server_name} at {address}:{port} presented no certificate")
    return x509.load_der_x509_certificate(der)


def anchored_context(plan: UploadPlan) -> ssl.SSLContext:
    """Only the uploaded root is a trust anchor (intermediates help build the path; without
    partial-chain mode the path must still end at the root), host names checked."""
    pems = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in plan.chain.ca_certs)
    ctx = ssl.create_default_context(cadata=pems)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


async def _check(
    targets: NodeTargets, plan: UploadPlan, node: Node, endpoint: Endpoint
) -> WireCheck:
    over = targets.override(node.name, node.fqdn)
    address, port = over.address or node.fqdn, _port(over, endpoint)
    domain = node.fqdn.partition(".")[2] or node.fqdn
    want = fingerprint(plan.leaf)
    try:
        seen = await presented_cert(
            address, port, node.fqdn, probe_context(), endpoint.starttls, domain
        )
    except (OSError, TimeoutError, ssl.SSLError, ClusterError) as exc:
        return WireCheck(node.name, plan.unit, False, f"cannot reach {address}:{port} ({exc})")
    if fingerprint(seen) != want:
        return WireCheck(
            node.name,
            plan.unit,
            False,
            f"{address}:{port} still presents serial {format(seen.serial_number, 'x')}, not the "
            f"uploaded {format(plan.leaf.serial_number, 'x')}: restart {endpoint.service}",
        )
    try:
        await presented_cert(
            address, port, node.fqdn, anchored_context(plan), endpoint.starttls, domain
        )
    except ssl.SSLCertVerificationError as exc:
        return WireCheck(
            node.name,
            plan.unit,
            False,
            f"the presented chain does not validate against the uploaded root "
            f"({exc.verify_message or exc})",
        )
    except (OSError, TimeoutError, ssl.SSLError, ClusterError) as exc:
        return WireCheck(node.name, plan.unit, False, f"verifying handshake failed ({exc})")
    return WireCheck(node.name, plan.unit, True, f"{address}:{port} presents it; chain valid")


async def verify_on_wire(
    targets: NodeTargets, plan: UploadPlan, nodes: Mapping[str, Node]
) -> tuple[WireCheck, ...]:
    """One check per node the upload covers (ECDSA twins and units with no TLS endpoint are
    reported as not probed)."""
    endpoint = ENDPOINTS.get(plan.unit)
    if endpoint is None:
        return tuple(
            WireCheck(n, plan.unit, False, f"{plan.unit} has no endpoint uccert probes")
            for n in plan.covers
        )
    checks = await asyncio.gather(
        *(_check(targets, plan, nodes[name], endpoint) for name in plan.covers)
    )
    return tuple(checks)
