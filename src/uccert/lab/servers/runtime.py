"""A running lab: the Lab, its virtual clock, one SSH listener per node, and the files a client
needs (ready file, inventory, credentials).

``running_lab(...)`` is the in-process API (tests, ``uccert demo``); ``uccert lab up`` wraps it.
``serving_lab(...)`` opens one lab's listeners without writing files, for ``fleet`` (many labs,
one set of files). ``latency`` makes nodes answer as slowly as asked (``latency.Latency``).

Files written in the state directory (a fresh temporary one unless given):

- ``uccert.toml``: the inventory a uccert client uses against this lab (no passwords in it);
- ``credentials.toml`` (0600): the OS and application admin accounts of this run;
- ``known_hosts`` (0600): every node's SSH host key, OpenSSH format (``[127.0.0.1]:<port> <key>``);
- ``tls_pins.json`` (0600): each node's presented tomcat cert (PEM) by FQDN, so a client using
  this state directory needs no ``uccert pin`` (written here, not with the client's code);
- the ready file (0600, when asked for): nodes, ports, credentials, inventory path.

Passwords are random per run (``secrets``); they never appear in argv or logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.serialization import Encoding

from uccert.lab.state import KeySource, Lab, Topology, preset
from uccert.quiet_asyncssh import asyncssh

from .admin_cli import NodeContext
from .clock import VirtualClock
from .control_api import ControlApi, start_control_api
from .http_app import node_app
from .http_context import HttpContext, LabAccounts
from .https import node_listener
from .keys import CachedKeySource
from .latency import NO_LATENCY, Latency
from .service_bound import WATCH_INTERVAL, ServiceBoundListener
from .ssh import Account, new_host_key, start_node_server
from .tls_listeners import imp_listeners

OS_ADMIN_USER = "administrator"
APP_ADMIN_USER = "ccmadministrator"
OS_READONLY_USER = "readonly"  # OS account with CLI privilege 0 (REST reads only)
# Base of the addresses `show network cluster` prints (the listeners are all on 127.0.0.1).
CLUSTER_SUBNET = "10.10.20."

# Simulated seconds; the inventory's timing is these times the time scale (real seconds).
HA_SYNC_WAIT = 120.0
POLL_INTERVAL = 5.0
MIN_POLL_INTERVAL = 0.01
RESTART_TIMEOUT = 600.0  # the real-cluster default (config.Timing)
# Real seconds a lab service gets to start whatever the time scale: the slowest (Tomcat) takes
# 240 simulated seconds, and every look at it costs real round trips on top.
MIN_RESTART_TIMEOUT = 20.0


@dataclass(frozen=True)
class Credentials:
    os_admin: Account
    app_admin: Account
    os_readonly: Account

    @classmethod
    def random(cls) -> Credentials:
        return cls(
            Account(OS_ADMIN_USER, secrets.token_urlsafe(18)),
            Account(APP_ADMIN_USER, secrets.token_urlsafe(18)),
            Account(OS_READONLY_USER, secrets.token_urlsafe(18)),
        )

    def to_json(self) -> dict[str, dict[str, str]]:
        return {
            "os_admin": {"username": self.os_admin.username, "password": self.os_admin.password},
            "app_admin": {
                "username": self.app_admin.username,
                "password": self.app_admin.password,
            },
            "os_readonly": {
                "username": self.os_readonly.username,
                "password": self.os_readonly.password,
            },
        }


@dataclass
class RunningLab:
    lab: Lab
    clock: VirtualClock
    credentials: Credentials
    host_key: asyncssh.SSHKey
    state_dir: Path
    inventory: Path
    ports: dict[str, int] = field(default_factory=dict)  # node name -> SSH port
    https_ports: dict[str, int] = field(default_factory=dict)  # node name -> HTTPS (8443 and 443)
    ready: dict[str, Any] = field(default_factory=dict)
    # node name -> ready-file port name (sip_tls, xmpp_c2s, xmpp_s2s) -> listener (IM/P only)
    tls_listeners: dict[str, dict[str, ServiceBoundListener]] = field(default_factory=dict)
    # node name -> the listener of Cisco Tomcat's HTTPS port (a test may ``sync()`` it: one look)
    https_listeners: dict[str, ServiceBoundListener] = field(default_factory=dict)
    control_url: str | None = None  # the lab's control API (events, state, faults)
    cluster: str = "lab"  # the cluster's name in the inventory
    ssh_logins: Counter[str] = field(default_factory=Counter)  # node name -> accepted logins

    @property
    def host_public_key(self) -> str:
        """The listeners' host key in OpenSSH format, for pinning (known_hosts)."""
        return str(self.host_key.export_public_key().decode().strip())


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


INVENTORY_HEADER = (
    "# Written by `uccert lab up` for this lab run; passwords are in the credentials file.",
    "schema_version = 1",
)


def inventory_section(
    topology: Topology,
    ports: dict[str, int],
    time_scale: float,
    credentials_file: str,
    https_ports: dict[str, int] | None = None,
    tls_ports: dict[str, dict[str, int]] | None = None,
    cluster: str = "lab",
) -> list[str]:
    """The lines of one ``[clusters.NAME]`` table with its node overrides and timing."""
    pub = next(n for n in topology.nodes if n.product == "cucm" and n.role == "publisher")
    lines = [
        f"[clusters.{cluster}]",
        f"publisher = {_toml_str(pub.fqdn)}",
        f"credentials_file = {_toml_str(credentials_file)}",
    ]
    if topology.presence_domains:
        # What an administrator writes for a cluster whose presence domains differ from its
        # DNS domain (Cisco offers no read of them over AXL).
        domains = ", ".join(_toml_str(d) for d in topology.presence_domains)
        lines.append(f"presence_domains = [{domains}]")
    for n in topology.nodes:
        lines += [
            "",
            f"[clusters.{cluster}.nodes.{_toml_str(n.name)}]",
            'address = "127.0.0.1"',
            f"ssh_port = {ports[n.name]}",
        ]
        if https_ports and n.name in https_ports:
            lines.append(f"https_port = {https_ports[n.name]}")
        for listener, port in sorted((tls_ports or {}).get(n.name, {}).items()):
            lines.append(f"{listener}_port = {port}")  # sip_tls, xmpp_c2s, xmpp_s2s
    lines += [
        "",
        f"[clusters.{cluster}.timing]",
        f"ha_sync_wait = {HA_SYNC_WAIT * time_scale!r}",
        f"poll_interval = {max(POLL_INTERVAL * time_scale, MIN_POLL_INTERVAL)!r}",
        f"restart_timeout = {max(RESTART_TIMEOUT * time_scale, MIN_RESTART_TIMEOUT)!r}",
    ]
    return lines


def inventory_text(sections: list[list[str]]) -> str:
    """A whole ``uccert.toml``: the header, then each cluster's section."""
    lines = list(INVENTORY_HEADER)
    for section in sections:
        lines += ["", *section]
    return "\n".join([*lines, ""])


def inventory_toml(
    topology: Topology,
    ports: dict[str, int],
    time_scale: float,
    credentials_file: str,
    https_ports: dict[str, int] | None = None,
    tls_ports: dict[str, dict[str, int]] | None = None,
) -> str:
    return inventory_text(
        [inventory_section(topology, ports, time_scale, credentials_file, https_ports, tls_ports)]
    )


def running_section(running: RunningLab, time_scale: float, credentials_file: str) -> list[str]:
    """``inventory_section`` of a started lab (its ports, under its cluster name)."""
    topo = running.lab.topology
    return inventory_section(
        topo,
        running.ports,
        time_scale,
        credentials_file,
        running.https_ports,
        {n.name: _tls_ports(running, n.name) for n in topo.nodes},
        running.cluster,
    )


def known_hosts_text(running: RunningLab) -> str:
    """One OpenSSH known_hosts line per node's SSH port (all nodes share the host key)."""
    key = running.host_public_key.split()
    return "".join(f"[127.0.0.1]:{port} {key[0]} {key[1]}\n" for port in running.ports.values())


def tls_pins(lab: Lab) -> dict[str, str]:
    """Node FQDN (lower case) -> PEM of the tomcat cert it presents now (Tomcat Started)."""
    pins: dict[str, str] = {}
    for n in lab.topology.nodes:
        cert = lab.presented_cert(n.name, "tomcat")
        if cert is not None:
            pins[n.fqdn.lower()] = cert.public_bytes(Encoding.PEM).decode("ascii")
    return pins


def tls_pins_text(pins: dict[str, str]) -> str:
    return json.dumps(pins, indent=2, sort_keys=True) + "\n"


def tls_pins_json(lab: Lab) -> str:
    return tls_pins_text(tls_pins(lab))


def credentials_toml(credentials: Credentials) -> str:
    lines = ["# This lab run's accounts (random per run). Keep this file private (0600)."]
    accounts = (
        ("os_admin", credentials.os_admin),
        ("app_admin", credentials.app_admin),
        ("os_readonly", credentials.os_readonly),
    )
    for section, account in accounts:
        lines += [
            "",
            f"[{section}]",
            f"username = {_toml_str(account.username)}",
            f"password = {_toml_str(account.password)}",
        ]
    return "\n".join(lines) + "\n"


def _https_ports(running: RunningLab, node: str) -> dict[str, int]:
    """One Tomcat port serves both roles: ``https`` (8443) and ``rest`` (443)."""
    port = running.https_ports.get(node)
    return {} if port is None else {"https": port, "rest": port}


def _tls_ports(running: RunningLab, node: str) -> dict[str, int]:
    """sip_tls / xmpp_c2s / xmpp_s2s of an IM/P node (reserved even while the service is down)."""
    return {name: lst.port for name, lst in running.tls_listeners.get(node, {}).items()}


def ready_info(running: RunningLab) -> dict[str, Any]:
    lab = running.lab
    return {
        "nodes": [
            {
                "name": n.name,
                "fqdn": n.fqdn,
                "product": n.product,
                "role": n.role,
                "version": lab.display_version(n.name),
                "address": "127.0.0.1",
                "ports": {
                    "ssh": running.ports[n.name],
                    **_https_ports(running, n.name),
                    **_tls_ports(running, n.name),
                },
            }
            for n in lab.topology.nodes
        ],
        "credentials": running.credentials.to_json(),
        "control_url": running.control_url,
        "inventory": str(running.inventory),
    }


async def build_lab(topology: Topology, keys: KeySource | None, start: dt.datetime) -> Lab:
    """Build the Lab; with the disk cache, generate the keys it will need beforehand."""
    if keys is None:
        cached = CachedKeySource()
        demand = cached.expected_demand() or {2048: 8 * len(topology.nodes)}
        await cached.prefill(demand)
        lab = Lab(topology, cached, start)
        cached.record_demand()
        return lab
    return Lab(topology, keys, start)


@contextlib.asynccontextmanager
async def serving_lab(
    running: RunningLab,
    since: dt.datetime,
    *,
    latency: Latency = NO_LATENCY,
    idle_timeout: float = 0.0,
    tls_listeners: bool = True,
    control_api: bool = True,
    watch_interval: float = WATCH_INTERVAL,
) -> AsyncIterator[RunningLab]:
    """Open a lab's listeners and record their ports in ``running``; close them all after.

    SSH and HTTPS on every node; the IM/P TLS listeners and the control API unless turned off
    (a fleet of labs can do without the control API). Writes no files. ``watch_interval``: how
    often each TLS/HTTPS listener looks at its service (``service_bound``); every look costs
    CPU, which adds up over a fleet's hundreds of listeners.
    """
    lab = running.lab
    topo = lab.topology
    addresses = {n.name: f"{CLUSTER_SUBNET}{11 + i}" for i, n in enumerate(topo.nodes)}
    acceptors: list[Any] = []
    open_conns: set[Any] = set()
    control: ControlApi | None = None
    try:
        for n in topo.nodes:
            ctx = NodeContext(lab, running.clock, n.name, addresses, since, latency, idle_timeout)
            acceptor, port = await start_node_server(
                ctx,
                running.credentials.os_admin,
                running.host_key,
                open_conns,
                logins=running.ssh_logins,
            )
            acceptors.append(acceptor)
            running.ports[n.name] = port
        accounts = LabAccounts(
            running.credentials.os_admin,
            running.credentials.app_admin,
            running.credentials.os_readonly,
        )
        for n in topo.nodes:
            app = node_app(HttpContext(lab, running.clock, n.name, accounts), latency.http)
            listener = node_listener(lab, n.name, app, watch_interval)
            running.https_listeners[n.name] = listener
            await listener.start()
            running.https_ports[n.name] = listener.port
        if tls_listeners:
            for n in topo.nodes:
                running.tls_listeners[n.name] = imp_listeners(lab, n.name, watch_interval)
                for tls_listener in running.tls_listeners[n.name].values():
                    await tls_listener.start()
        if control_api:
            control = await start_control_api(lab, running.clock)
            running.control_url = control.url
        yield running
    finally:
        if control is not None:
            await control.stop()
        await asyncio.gather(
            *(lst.stop() for by_name in running.tls_listeners.values() for lst in by_name.values()),
            return_exceptions=True,
        )
        await asyncio.gather(
            *(listener.stop() for listener in running.https_listeners.values()),
            return_exceptions=True,
        )
        for acceptor in acceptors:
            acceptor.close()
        for conn in list(open_conns):
            conn.close()
        for conn in list(open_conns):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 5)
        for acceptor in acceptors:
            with contextlib.suppress(Exception):
                await acceptor.wait_closed()


@contextlib.asynccontextmanager
async def running_lab(
    *,
    preset_name: Literal["demo", "minimal"] = "demo",
    topology: Topology | None = None,
    version: str | None = None,
    timezone: str | None = None,
    time_scale: float = 0.0,
    state_dir: Path | None = None,
    ready_file: Path | None = None,
    keys: KeySource | None = None,
    start: dt.datetime | None = None,
    latency: Latency = NO_LATENCY,
    idle_timeout: float = 0.0,
) -> AsyncIterator[RunningLab]:
    """Run a lab until the block ends: listeners up, files written, clock ticking.
    ``idle_timeout``: real seconds an admin CLI session may idle before the node closes it."""
    topo = topology if topology is not None else preset(preset_name, version)
    if timezone is not None:
        topo = dataclasses.replace(topo, timezone=timezone)
    begin = start or dt.datetime.now(dt.UTC).replace(microsecond=0)
    lab = await build_lab(topo, keys, begin)
    clock = VirtualClock(lab, time_scale)
    own_dir = state_dir is None
    directory = Path(tempfile.mkdtemp(prefix="uccert-lab-")) if state_dir is None else state_dir
    directory.mkdir(parents=True, exist_ok=True)
    running = RunningLab(
        lab=lab,
        clock=clock,
        credentials=Credentials.random(),
        host_key=new_host_key(),
        state_dir=directory,
        inventory=directory / "uccert.toml",
    )
    try:
        async with serving_lab(running, begin, latency=latency, idle_timeout=idle_timeout):
            try:
                write_private(directory / "credentials.toml", credentials_toml(running.credentials))
                write_private(directory / "known_hosts", known_hosts_text(running))
                write_private(directory / "tls_pins.json", tls_pins_json(lab))
                running.inventory.write_text(
                    inventory_text([running_section(running, time_scale, "credentials.toml")])
                )
                running.ready = ready_info(running)
                if ready_file is not None:
                    write_private(ready_file, json.dumps(running.ready, indent=2) + "\n")
                clock.start()
                yield running
            finally:
                await clock.stop()
    finally:
        if ready_file is not None:
            with contextlib.suppress(OSError):
                ready_file.unlink()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
