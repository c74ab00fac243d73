"""SIP over TLS (sip_tls) on 127.0.0.1: the cup cert Cisco SIP Proxy loaded, seen by a client."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from uccert.lab.servers.runtime import RunningLab, running_lab
from uccert.lab.servers.service_bound import ServiceBoundListener

pytestmark = pytest.mark.timeout(60)

NODE = "imp-pub"


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def trusting(cert: x509.Certificate) -> ssl.SSLContext:
    """Verification on, trusting exactly this cert (the lab's certs are self-signed)."""
    return ssl.create_default_context(cadata=cert.public_bytes(Encoding.PEM).decode())


async def tls_peer_cert(port: int, fqdn: str, trust: x509.Certificate) -> bytes:
    """Handshake with hostname checking on; the DER the server presented."""
    _reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=trusting(trust), server_hostname=fqdn), 10
    )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert(binary_form=True)
        writer.write(b"OPTIONS sip:lab SIP/2.0\r\n\r\n")
        await writer.drain()
        return bytes(peer)
    finally:
        writer.close()
        await writer.wait_closed()


def stored(running: RunningLab, node: str, unit: str) -> x509.Certificate:
    return next(c.cert for c in running.lab.own_certs(node) if c.unit == unit)


async def settle(running: RunningLab) -> None:
    """Run the lab's scheduled transitions, then let every listener follow."""
    running.clock.settle()
    for by_name in running.tls_listeners.values():
        for listener in by_name.values():
            await listener.sync()


async def test_sip_tls_presents_the_cup_cert_sip_proxy_loaded(lab: RunningLab) -> None:
    fqdn = lab.lab.spec(NODE).fqdn
    cup = stored(lab, NODE, "cup")
    presented = lab.lab.presented_cert(NODE, "cup")
    assert presented is not None
    port = lab.tls_listeners[NODE]["sip_tls"].port
    assert await tls_peer_cert(port, fqdn, cup) == der(cup) == der(presented)


async def test_every_imp_node_has_its_own_port_and_cucm_none(lab: RunningLab) -> None:
    by_node = {n["name"]: n["ports"] for n in lab.ready["nodes"]}
    assert "sip_tls" not in by_node["cucm-pub"] and "xmpp_c2s" not in by_node["cucm-pub"]
    ports = set()
    for node in ("imp-pub", "imp-sub1"):
        for name in ("sip_tls", "xmpp_c2s", "xmpp_s2s"):
            assert by_node[node][name] == lab.tls_listeners[node][name].port
            ports.add(by_node[node][name])
        cup = stored(lab, node, "cup")
        fqdn = lab.lab.spec(node).fqdn
        assert await tls_peer_cert(by_node[node]["sip_tls"], fqdn, cup) == der(cup)
    assert len(ports) == 6


async def test_a_client_trusting_another_cert_fails_verification(lab: RunningLab) -> None:
    fqdn = lab.lab.spec(NODE).fqdn
    other = stored(lab, NODE, "tomcat")
    with pytest.raises(ssl.SSLCertVerificationError):
        await tls_peer_cert(lab.tls_listeners[NODE]["sip_tls"].port, fqdn, other)


async def test_regenerated_cup_appears_only_after_sip_proxy_restarts(lab: RunningLab) -> None:
    fqdn = lab.lab.spec(NODE).fqdn
    port = lab.tls_listeners[NODE]["sip_tls"].port
    old = stored(lab, NODE, "cup")
    lab.lab.regenerate(NODE, "cup", via="lab")
    await settle(lab)
    new = stored(lab, NODE, "cup")
    assert der(new) != der(old)
    assert await tls_peer_cert(port, fqdn, old) == der(old)  # still the loaded one

    lab.lab.control_service(NODE, "Cisco SIP Proxy", "stop", via="lab")
    await settle(lab)
    with pytest.raises(ConnectionRefusedError):
        await tls_peer_cert(port, fqdn, old)

    lab.lab.control_service(NODE, "Cisco SIP Proxy", "start", via="lab")
    await settle(lab)
    assert await tls_peer_cert(port, fqdn, new) == der(new)
    assert lab.tls_listeners[NODE]["sip_tls"].port == port


async def test_listener_follows_a_restart_without_help(lab: RunningLab) -> None:
    """No explicit sync: the watcher reopens with the new cert within a moment."""
    fqdn = lab.lab.spec(NODE).fqdn
    port = lab.tls_listeners[NODE]["sip_tls"].port
    lab.lab.regenerate(NODE, "cup", via="lab")
    lab.lab.control_service(NODE, "Cisco SIP Proxy", "restart", via="lab")
    lab.clock.settle()
    new = stored(lab, NODE, "cup")
    deadline = time.monotonic() + 10  # the watcher looks every 20 ms; a loaded machine lags
    while True:
        try:
            if await tls_peer_cert(port, fqdn, new) == der(new):
                break
        except (ssl.SSLError, OSError):
            pass
        assert time.monotonic() < deadline, "the listener never presented the new cup cert"
        await asyncio.sleep(0.02)


async def test_ready_file_names_the_tls_ports_and_the_control_url(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    async with running_lab(preset_name="minimal", state_dir=tmp_path / "s", ready_file=ready) as r:
        info = json.loads(ready.read_text())
        assert info["control_url"] == r.control_url
        assert info["control_url"].startswith("http://127.0.0.1:")
        imp = next(n for n in info["nodes"] if n["name"] == NODE)
        assert {"ssh", "sip_tls", "xmpp_c2s", "xmpp_s2s"} <= set(imp["ports"])
    with pytest.raises(ConnectionRefusedError):  # everything closed with the lab
        await asyncio.open_connection("127.0.0.1", imp["ports"]["sip_tls"])


async def test_a_stopped_service_keeps_its_port_refusing_and_unbindable(lab: RunningLab) -> None:
    """While Cisco SIP Proxy is down its port refuses connections, and no other bind can take
    the number meanwhile (it used to be freed and re-bound at each restart)."""
    fqdn = lab.lab.spec(NODE).fqdn
    port = lab.tls_listeners[NODE]["sip_tls"].port
    lab.lab.control_service(NODE, "Cisco SIP Proxy", "stop", via="lab")
    await settle(lab)
    with pytest.raises(ConnectionRefusedError):
        await tls_peer_cert(port, fqdn, stored(lab, NODE, "cup"))
    with socket.socket() as other, pytest.raises(OSError) as taken:
        other.bind(("127.0.0.1", port))
    assert taken.value.errno == errno.EADDRINUSE
    lab.lab.control_service(NODE, "Cisco SIP Proxy", "start", via="lab")
    await settle(lab)
    cup = stored(lab, NODE, "cup")
    assert await tls_peer_cert(port, fqdn, cup) == der(cup)


class _TakenAfterTheFirstOpen:
    """A BoundServer whose port another process took after its first opening."""

    def __init__(self) -> None:
        self.opened = 0

    async def open(self, port: int, cert: x509.Certificate, key: object) -> None:
        self.opened += 1
        if self.opened > 1:
            raise OSError(errno.EADDRINUSE, "Address already in use")

    async def close(self) -> None:
        return None


async def test_a_listener_that_cannot_reopen_says_so_once(
    lab: RunningLab, caplog: pytest.LogCaptureFixture
) -> None:
    server = _TakenAfterTheFirstOpen()
    listener = ServiceBoundListener(lab.lab, NODE, "cup", server, interval=0.005)
    with caplog.at_level(logging.WARNING, logger="uccert.lab.servers.service_bound"):
        await listener.start()
        lab.lab.regenerate(NODE, "cup", via="lab")
        lab.lab.control_service(NODE, "Cisco SIP Proxy", "restart", via="lab")
        await settle(lab)
        await asyncio.sleep(0.3)  # dozens of looks, each failing to reopen
        await listener.stop()
    assert server.opened > 5
    said = [r for r in caplog.records if "cannot open" in r.getMessage()]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records)
