"""Wire probes against the lab's listeners over loopback: direct TLS (tomcat, cup) and XMPP
STARTTLS (cup-xmpp on c2s, cup-xmpp-s2s on s2s) read what the lab says each service presents."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.transport.tls_probe import (
    ProbeKind,
    ProbeProtocolError,
    ProbeRefused,
    ProbeTarget,
    ProbeTimeout,
    ProbeUntrusted,
    probe_presented,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.asyncio(loop_scope="module")]

NODE = "imp-pub"
FQDN = "imp-pub.lab.example"
DOMAIN = "lab.example"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningLab]:
    state_dir = tmp_path_factory.mktemp("probe-lab")
    async with running_lab(preset_name="demo", time_scale=0, state_dir=state_dir) as running:
        yield running


def target(lab: RunningLab, unit: str, domains: tuple[str, ...] = (DOMAIN,)) -> ProbeTarget:
    listeners = lab.tls_listeners[NODE]
    if unit == "tomcat":
        return ProbeTarget(unit, "127.0.0.1", lab.https_ports[NODE], FQDN, ProbeKind.TLS)
    if unit == "cup":
        return ProbeTarget(unit, "127.0.0.1", listeners["sip_tls"].port, FQDN, ProbeKind.TLS)
    name, kind = {
        "cup-xmpp": ("xmpp_c2s", ProbeKind.XMPP_C2S),
        "cup-xmpp-s2s": ("xmpp_s2s", ProbeKind.XMPP_S2S),
    }[unit]
    return ProbeTarget(unit, "127.0.0.1", listeners[name].port, FQDN, kind, domains)


@pytest.mark.parametrize("unit", ["tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s"])
async def test_each_unit_is_read_as_the_lab_presents_it(lab: RunningLab, unit: str) -> None:
    cert = await probe_presented(target(lab, unit), timeout=5)
    expected = lab.lab.presented_cert(NODE, unit)
    assert expected is not None
    assert cert.serial_number == expected.serial_number
    assert cert == expected


def anchored_on(lab: RunningLab, unit: str) -> ssl.SSLContext:
    """A context whose only anchor is what ``unit`` presents on NODE (self-signed: its own root)."""
    cert = lab.lab.presented_cert(NODE, unit)
    assert cert is not None
    return ssl.create_default_context(cadata=cert.public_bytes(Encoding.PEM).decode("ascii"))


@pytest.mark.parametrize("unit", ["tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s"])
async def test_a_verify_context_judges_the_chain_and_the_node_name(
    lab: RunningLab, unit: str
) -> None:
    cert = await probe_presented(target(lab, unit), timeout=5, verify=anchored_on(lab, unit))
    assert cert == lab.lab.presented_cert(NODE, unit)
    other = "tomcat" if unit != "tomcat" else "cup"
    with pytest.raises(ProbeUntrusted, match=r"self.signed certificate"):
        await probe_presented(target(lab, unit), timeout=5, verify=anchored_on(lab, other))


async def test_the_four_units_present_four_different_certs(lab: RunningLab) -> None:
    units = ("tomcat", "cup", "cup-xmpp", "cup-xmpp-s2s")
    certs = await asyncio.gather(*(probe_presented(target(lab, u), timeout=5) for u in units))
    assert len({c.serial_number for c in certs}) == 4


async def test_an_unserved_domain_falls_back_to_the_next_candidate(lab: RunningLab) -> None:
    probe = target(lab, "cup-xmpp", ("not-served.example", FQDN))
    cert = await probe_presented(probe, timeout=5)
    expected = lab.lab.presented_cert(NODE, "cup-xmpp")
    assert expected is not None and cert.serial_number == expected.serial_number


async def test_only_unserved_domains_is_a_protocol_error_naming_the_condition(
    lab: RunningLab,
) -> None:
    with pytest.raises(ProbeProtocolError, match="host-unknown"):
        await probe_presented(target(lab, "cup-xmpp-s2s", ("not-served.example",)), timeout=5)


async def test_a_closed_port_is_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        for kind in (ProbeKind.TLS, ProbeKind.XMPP_C2S):
            probe = ProbeTarget("cup", "127.0.0.1", port, FQDN, kind, (DOMAIN,))
            with pytest.raises(ProbeRefused, match=r"127\.0\.0\.1"):
                await probe_presented(probe, timeout=5)


async def test_a_silent_listener_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; waits for the client to go
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        for kind in (ProbeKind.TLS, ProbeKind.XMPP_S2S):
            probe = ProbeTarget("cup-xmpp-s2s", "127.0.0.1", port, FQDN, kind, (DOMAIN,))
            with pytest.raises(ProbeTimeout, match="did not answer"):
                await probe_presented(probe, timeout=0.3)
    finally:
        server.close()
        await server.wait_closed()


async def test_a_plain_text_server_is_not_xmpp() -> None:
    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        probe = ProbeTarget("cup-xmpp", "127.0.0.1", port, FQDN, ProbeKind.XMPP_C2S, (DOMAIN,))
        with pytest.raises(ProbeProtocolError):
            await probe_presented(probe, timeout=5)
    finally:
        server.close()
        await server.wait_closed()


async def test_a_stopped_service_presents_nothing(lab: RunningLab) -> None:
    lab.lab.control_service(NODE, "Cisco SIP Proxy", "stop", via="lab")
    lab.clock.settle()
    try:
        await lab.tls_listeners[NODE]["sip_tls"].sync()  # the listener follows the lab
        with pytest.raises(ProbeRefused):
            await probe_presented(target(lab, "cup"), timeout=5)
    finally:
        lab.lab.control_service(NODE, "Cisco SIP Proxy", "start", via="lab")
        lab.clock.settle()
        await lab.tls_listeners[NODE]["sip_tls"].sync()
    assert (await probe_presented(target(lab, "cup"), timeout=5)).serial_number == (
        lab.lab.presented_cert(NODE, "cup").serial_number  # type: ignore[union-attr]
    )
