"""XMPP c2s and s2s with STARTTLS on 127.0.0.1, driven by a minimal client written from RFC 6120."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.state import preset

pytestmark = pytest.mark.timeout(60)

NODE = "imp-pub"
STREAM_NS = "http://etherx.jabber.org/streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
CONTENT = {"xmpp_c2s": "jabber:client", "xmpp_s2s": "jabber:server"}
UNIT = {"xmpp_c2s": "cup-xmpp", "xmpp_s2s": "cup-xmpp-s2s"}


class Client:
    """RFC 6120 §4-§5 from the initiating side: open a stream, STARTTLS, restart, close."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        return cls(reader, writer)

    async def send(self, text: str) -> None:
        self.writer.write(text.encode())
        await self.writer.drain()

    async def until(self, marker: str) -> str:
        """Everything received up to and including ``marker``."""
        end = marker.encode()
        while end not in self.buffer:
            data = await asyncio.wait_for(self.reader.read(65536), 10)
            if not data:
                raise EOFError(f"closed before {marker!r}: {self.buffer!r}")
            self.buffer += data
        i = self.buffer.index(end) + len(end)
        text, self.buffer = self.buffer[:i].decode(), self.buffer[i:]
        return text

    async def rest(self) -> str:
        """Everything until the server closes the connection."""
        while data := await asyncio.wait_for(self.reader.read(65536), 10):
            self.buffer += data
        text, self.buffer = self.buffer.decode(), b""
        return text

    async def open_stream(self, to: str, ns: str) -> dict[str, str]:
        await self.send(
            f"<?xml version='1.0'?><stream:stream to='{to}' version='1.0' xml:lang='en' "
            f"xmlns='{ns}' xmlns:stream='{STREAM_NS}'>"
        )
        return header_attrs(await self.until("<stream:features>"))

    async def starttls(self, trust: x509.Certificate, fqdn: str) -> bytes:
        features = await self.until("</stream:features>")
        assert re.search(rf"<starttls xmlns=['\"]{TLS_NS}['\"]>\s*<required/>", features), features
        await self.send(f"<starttls xmlns='{TLS_NS}'/>")
        answer = await self.until("/>")
        assert re.fullmatch(rf"\s*<proceed xmlns=['\"]{TLS_NS}['\"]\s*/>", answer), answer
        assert self.buffer == b""
        context = ssl.create_default_context(cadata=trust.public_bytes(Encoding.PEM).decode())
        await self.writer.start_tls(context, server_hostname=fqdn)
        return bytes(self.writer.get_extra_info("ssl_object").getpeercert(binary_form=True))

    async def close(self) -> str:
        await self.send("</stream:stream>")
        text = await self.rest()
        self.writer.close()
        return text


def header_attrs(text: str) -> dict[str, str]:
    match = re.search(r"<stream:stream\s([^>]*)>", text)
    assert match, text
    return dict(re.findall(r"([\w:]+)=['\"]([^'\"]*)['\"]", match.group(1)))


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def stored(running: RunningLab, node: str, unit: str) -> x509.Certificate:
    return next(c.cert for c in running.lab.own_certs(node) if c.unit == unit)


async def negotiate(running: RunningLab, name: str, trust: x509.Certificate) -> bytes:
    """A full c2s/s2s negotiation up to the SASL features; the DER presented after STARTTLS."""
    domain = running.lab.topology.domain
    fqdn = running.lab.spec(NODE).fqdn
    client = await Client.connect(running.tls_listeners[NODE][name].port)
    first = await client.open_stream(domain, CONTENT[name])
    assert first["from"] == domain and first["version"] == "1.0" and first["id"]
    assert first["xmlns"] == CONTENT[name] and first["xmlns:stream"] == STREAM_NS
    peer = await client.starttls(trust, fqdn)
    second = await client.open_stream(domain, CONTENT[name])
    assert second["id"] != first["id"]
    features = await client.until("</stream:features>")
    mechanism = "PLAIN" if name == "xmpp_c2s" else "EXTERNAL"
    assert f"<mechanism>{mechanism}</mechanism>" in features
    assert f"xmlns='{SASL_NS}'" in features
    assert (await client.close()).strip() == "</stream:stream>"
    return peer


async def settle(running: RunningLab) -> None:
    running.clock.settle()
    for listener in running.tls_listeners[NODE].values():
        await listener.sync()


@pytest.fixture
async def fed_lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    """Minimal topology with XMPP federation, so the s2s service runs."""
    topo = dataclasses.replace(preset("minimal"), xmpp_federation=True)
    async with running_lab(topology=topo, time_scale=0, state_dir=tmp_path) as running:
        yield running


@pytest.mark.parametrize("name", ["xmpp_c2s", "xmpp_s2s"])
async def test_starttls_presents_the_loaded_cert(fed_lab: RunningLab, name: str) -> None:
    cert = stored(fed_lab, NODE, UNIT[name])
    presented = fed_lab.lab.presented_cert(NODE, UNIT[name])
    assert presented is not None and der(presented) == der(cert)
    assert await negotiate(fed_lab, name, cert) == der(cert)


async def test_s2s_is_closed_without_xmpp_federation(lab: RunningLab) -> None:
    assert lab.lab.presented_cert(NODE, "cup-xmpp-s2s") is None
    with pytest.raises(ConnectionRefusedError):
        await Client.connect(lab.tls_listeners[NODE]["xmpp_s2s"].port)


@pytest.mark.parametrize("name", ["xmpp_c2s", "xmpp_s2s"])
async def test_regenerated_cert_appears_after_the_xcp_router_restart(
    fed_lab: RunningLab, name: str
) -> None:
    unit = UNIT[name]
    port = fed_lab.tls_listeners[NODE][name].port
    old = stored(fed_lab, NODE, unit)
    fed_lab.lab.regenerate(NODE, unit, via="lab")
    await settle(fed_lab)
    new = stored(fed_lab, NODE, unit)
    assert der(new) != der(old)
    assert await negotiate(fed_lab, name, old) == der(old)

    fed_lab.lab.control_service(NODE, "Cisco XCP Router", "stop", via="lab")
    await settle(fed_lab)
    with pytest.raises(ConnectionRefusedError):
        await Client.connect(port)

    fed_lab.lab.control_service(NODE, "Cisco XCP Router", "restart", via="lab")
    await settle(fed_lab)
    assert await negotiate(fed_lab, name, new) == der(new)


async def stream_error(running: RunningLab, opening: str, name: str = "xmpp_c2s") -> str:
    client = await Client.connect(running.tls_listeners[NODE][name].port)
    await client.send(opening)
    text = await client.rest()
    client.writer.close()
    assert "<stream:stream" in text and text.endswith("</stream:stream>"), text
    match = re.search(
        r"<stream:error>\s*<([\w-]+) xmlns='urn:ietf:params:xml:ns:xmpp-streams'", text
    )
    assert match, text
    return match.group(1)


def opening(to: str = "example.com", ns: str = "jabber:client", extra: str = "") -> str:
    return (
        f"<?xml version='1.0'?><stream:stream to='{to}' {extra} "
        f"xmlns='{ns}' xmlns:stream='{STREAM_NS}'>"
    )


async def test_bad_input_gets_a_stream_error(lab: RunningLab) -> None:
    domain = lab.lab.topology.domain
    v = "version='1.0'"
    assert await stream_error(lab, opening(domain, "jabber:server", v)) == "invalid-namespace"
    assert await stream_error(lab, opening("nowhere.test", extra=v)) == "host-unknown"
    assert await stream_error(lab, opening(domain)) == "unsupported-version"
    assert await stream_error(lab, "hello there<") == "not-well-formed"
    assert await stream_error(lab, "<!DOCTYPE x><stream:stream>") == "restricted-xml"
    stanza = opening(domain, extra=v) + "<message to='a@b'><body>hi</body></message>"
    assert await stream_error(lab, stanza) == "not-authorized"
    broken = opening(domain, extra=v) + "<a></b>"
    assert await stream_error(lab, broken) == "not-well-formed"


async def test_the_node_fqdn_is_accepted_as_to_and_echoed_as_from(lab: RunningLab) -> None:
    fqdn = lab.lab.spec(NODE).fqdn
    client = await Client.connect(lab.tls_listeners[NODE]["xmpp_c2s"].port)
    attrs = await client.open_stream(fqdn, "jabber:client")
    assert attrs["from"] == fqdn
    await client.until("</stream:features>")
    assert (await client.close()).strip() == "</stream:stream>"


async def test_with_a_presence_domain_only_that_domain_is_served(tmp_path: Path) -> None:
    """IM/P serves XMPP for its presence domains, not for its DNS domain or FQDN."""
    topo = dataclasses.replace(
        preset("minimal"), xmpp_federation=True, presence_domains=("im.corp.example",)
    )
    async with running_lab(topology=topo, time_scale=0, state_dir=tmp_path) as running:
        v = "version='1.0'"
        for name, ns in CONTENT.items():
            for refused in (topo.domain, running.lab.spec(NODE).fqdn):
                assert await stream_error(running, opening(refused, ns, v), name) == (
                    "host-unknown"
                )
            client = await Client.connect(running.tls_listeners[NODE][name].port)
            attrs = await client.open_stream("im.corp.example", ns)
            assert attrs["from"] == "im.corp.example"
            await client.until("</stream:features>")
            assert (await client.close()).strip() == "</stream:stream>"
