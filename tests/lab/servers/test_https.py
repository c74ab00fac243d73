"""Per-node HTTPS (Cisco Tomcat's port) over real TLS on 127.0.0.1.

Clients verify: the node's presented tomcat cert is the only trust anchor and the hostname
checked is the node's FQDN (the cert's SAN), as a pinning client does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from uccert.lab.servers.runtime import RunningLab, running_lab

pytestmark = pytest.mark.timeout(60)

Connect = Callable[..., Awaitable[Any]]


def pinned_context(cert: x509.Certificate) -> ssl.SSLContext:
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return ssl.create_default_context(cadata=pem)  # verification and hostname check stay on


async def handshake(running: RunningLab, node: str, trust: x509.Certificate) -> bytes:
    """DER of the cert the node's HTTPS port presents (verified against `trust`)."""
    fqdn = running.lab.spec(node).fqdn
    port = running.https_ports[node]
    # bounded: a handshake caught by the listener closing mid-way must not hang the test
    _, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=pinned_context(trust), server_hostname=fqdn),
        timeout=5,
    )
    der: bytes = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    return der


def der(cert: x509.Certificate | None) -> bytes:
    assert cert is not None
    return cert.public_bytes(serialization.Encoding.DER)


async def wait_for_der(running: RunningLab, node: str, cert: x509.Certificate) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            if await handshake(running, node, cert) == der(cert):
                return
        except (OSError, ssl.SSLError):
            pass
        assert time.monotonic() < deadline, "the new cert never appeared on the wire"
        await asyncio.sleep(0.02)


async def test_every_node_presents_exactly_its_tomcat_cert(lab: RunningLab) -> None:
    for node in lab.lab.node_names():
        cert = lab.lab.presented_cert(node, "tomcat")
        assert await handshake(lab, node, cert) == der(cert)  # type: ignore[arg-type]


async def test_regenerated_cert_appears_only_after_tomcat_restarts_over_ssh(
    lab: RunningLab, connect: Connect
) -> None:
    node = "imp-pub"
    old = lab.lab.presented_cert(node, "tomcat")
    assert old is not None
    lab.lab.regenerate(node, "tomcat", via="lab")
    new = next(c.cert for c in lab.lab.own_certs(node) if c.unit == "tomcat")
    assert new != old
    # The listener looks at the lab (as it does every 20 ms; a loaded machine may not have
    # yet, so the test makes the look itself) and keeps presenting what Tomcat loaded.
    listener = lab.https_listeners[node]
    await listener.sync()
    assert listener.serving_serial == old.serial_number
    assert await handshake(lab, node, old) == der(old)
    with pytest.raises(ssl.SSLCertVerificationError):
        await handshake(lab, node, new)

    s = await connect(lab, node)
    out = await asyncio.to_thread(s.cmd, "utils service restart Cisco Tomcat")
    s.close()
    assert "Cisco Tomcat[STARTED]" in out
    await wait_for_der(lab, node, new)
    assert lab.lab.presented_cert(node, "tomcat") == new


async def test_port_refuses_connections_while_tomcat_restarts(tmp_path: Path) -> None:
    # 0.002 real s per simulated s: Tomcat stops in 0.06 s and starts in 0.42 s
    async with running_lab(preset_name="minimal", time_scale=0.002, state_dir=tmp_path) as lab:
        node = "cucm-pub"
        old = lab.lab.presented_cert(node, "tomcat")
        assert old is not None
        lab.lab.regenerate(node, "tomcat", via="lab")
        new = next(c.cert for c in lab.lab.own_certs(node) if c.unit == "tomcat")
        lab.lab.control_service(node, "Cisco Tomcat", "restart", via="lab")
        refused = 0
        deadline = time.monotonic() + 10
        while True:
            try:
                presented = await handshake(lab, node, new)
            except ConnectionRefusedError:
                refused += 1
            except (ssl.SSLError, ConnectionResetError, TimeoutError):
                pass  # the old cert, before the port closed (or a handshake cut short)
            else:
                if presented == der(new):
                    break
            assert time.monotonic() < deadline, "Cisco Tomcat never came back with the new cert"
            await asyncio.sleep(0.01)
        assert refused > 0
        assert lab.lab.service_state(node, "Cisco Tomcat").state == "Started"


async def test_ready_file_inventory_and_credentials_name_the_https_ports(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    async with running_lab(
        preset_name="minimal", state_dir=tmp_path / "state", ready_file=ready
    ) as lab:
        info = json.loads(ready.read_text())
        inventory = tomllib.loads(lab.inventory.read_text())
        credentials = tomllib.loads((lab.state_dir / "credentials.toml").read_text())
    for node in info["nodes"]:
        ports = node["ports"]
        assert ports["https"] == ports["rest"] == lab.https_ports[node["name"]]
        assert inventory["clusters"]["lab"]["nodes"][node["name"]]["https_port"] == ports["https"]
    readonly = lab.credentials.os_readonly
    assert info["credentials"]["os_readonly"] == {
        "username": readonly.username,
        "password": readonly.password,
    }
    assert credentials["os_readonly"]["password"] == readonly.password
    assert readonly.password not in lab.inventory.read_text()


async def http_status(running: RunningLab, node: str, method: str, path: str) -> int:
    """Status of one request over the node's real HTTPS port (OS admin, empty body)."""
    cert = running.lab.presented_cert(node, "tomcat")
    assert cert is not None
    fqdn = running.lab.spec(node).fqdn
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", running.https_ports[node], ssl=pinned_context(cert), server_hostname=fqdn
    )
    admin = running.credentials.os_admin
    token = base64.b64encode(f"{admin.username}:{admin.password}".encode()).decode()
    writer.write(
        f"{method} {path} HTTP/1.1\r\nHost: {fqdn}\r\nAuthorization: Basic {token}\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_axl_on_the_cucm_publisher_only_and_rest_on_every_node(lab: RunningLab) -> None:
    assert await http_status(lab, "cucm-pub", "POST", "/axl/") != 404
    assert await http_status(lab, "imp-pub", "POST", "/axl/") == 404
    for node in lab.lab.node_names():
        rest = "/platformcom/api/v1/certmgr/config/snapshot/server"
        assert await http_status(lab, node, "GET", rest) != 404, node
        soap = "/controlcenterservice2/services/ControlCenterServices?wsdl"
        assert await http_status(lab, node, "GET", soap) == 200, node
