"""`uccert lab up --replay DIR`: serve back the nodes a `uccert doctor --record DIR` recorded.

The record is a plain file layout (docs/doctor.md), read here with the lab's own code: the lab
imports nothing of the client. ``record.json`` lists the nodes; each node's folder holds
``cli.json`` (``[{"command", "output"}]``), ``http.json`` (``[{"interface", "method", "path",
"operation", "schema", "status", "content_type", "body"}]``) and ``tls.json`` (not served).

Each node gets an SSH listener that answers a recorded command with its recorded output and any
other command with ``Executed command unsuccessfully``, and an HTTPS listener (one port for 8443
and 443) that answers a request with the recorded reply of the same method, path and, for SOAP,
operation and AXL schema. A schema the record has no reply for is refused as a real publisher
refuses one (HTTP 599, "Incorrect axl version", listing the schemas the record answered). The
listeners present certificates made for this run; the state directory gets the inventory,
credentials, ``known_hosts`` and ``tls_pins.json`` as ``uccert lab up`` writes them. TLS
listeners (5061, 5222, 5269) are not replayed: their ports are reserved and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request, Response
from lxml import etree

from uccert.lab.state import TopologyError
from uccert.quiet_asyncssh import asyncssh

from . import cli_templates as t
from .axl import wrong_version_response
from .http_context import authenticate
from .https import HttpsServer
from .runtime import (
    INVENTORY_HEADER,
    Credentials,
    credentials_toml,
    write_private,
)
from .service_bound import hold_port
from .ssh import Account, new_host_key
from .terminal import Terminal

FORMAT = "uccert-doctor-record"
FORMAT_VERSION = 1
CERT_DAYS = 30
EXIT_WORDS = frozenset({"exit", "quit"})
_toml_str = json.dumps  # a JSON string is a valid TOML basic string
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class ReplayError(TopologyError):
    """A record that cannot be served ('source: problem. Fix: fix.')."""


@dataclass(frozen=True)
class ReplayNode:
    name: str
    fqdn: str
    product: str
    role: str
    version: str
    cli: dict[str, str]
    http: tuple[dict[str, Any], ...]


@dataclass
class RunningReplay:
    cluster: str
    nodes: tuple[ReplayNode, ...]
    credentials: Credentials
    state_dir: Path
    inventory: Path
    ssh_ports: dict[str, int] = field(default_factory=dict)
    https_ports: dict[str, int] = field(default_factory=dict)
    ready: dict[str, Any] = field(default_factory=dict)


def _read_json(path: Path, source: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(
            f"{source}: {path.name} is missing. "
            "Fix: give the folder `uccert doctor --record` wrote."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(
            f"{source}: {path.name} cannot be read ({exc}). Fix: record the node again."
        ) from None


def load_record(directory: Path) -> tuple[str, tuple[ReplayNode, ...]]:
    """The cluster's name and its recorded nodes (ReplayError for a record it cannot serve)."""
    source = str(directory)
    record = _read_json(directory / "record.json", source)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ReplayError(f"{source}: record.json is not a doctor record. Fix: give its folder.")
    if record.get("format_version") != FORMAT_VERSION:
        raise ReplayError(
            f"{source}: record format {record.get('format_version')!r}, this lab reads "
            f"{FORMAT_VERSION}. Fix: record again with this uccert."
        )
    nodes = []
    for entry in record.get("nodes", []):
        folder = directory / str(entry["dir"])
        cli = _read_json(folder / "cli.json", source)
        http = _read_json(folder / "http.json", source)
        answers: dict[str, str] = {}
        for exchange in cli:
            answers.setdefault(" ".join(str(exchange["command"]).split()), str(exchange["output"]))
        nodes.append(
            ReplayNode(
                name=str(entry["name"]),
                fqdn=str(entry["fqdn"]),
                product=str(entry["product"]),
                role=str(entry["role"]),
                version=str(entry.get("version", "")),
                cli=answers,
                http=tuple(http),
            )
        )
    if not nodes:
        raise ReplayError(f"{source}: the record holds no node. Fix: record a reachable cluster.")
    return str(record.get("cluster", "replay")), tuple(nodes)


# -- SSH ------------------------------------------------------------------------------------------


class _ReplaySsh(asyncssh.SSHServer):
    def __init__(self, account: Account) -> None:
        self._account = account

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._account.accepts(username, password)


def answer(node: ReplayNode, command: str) -> list[str]:
    """The recorded output of ``command``, or the CLI's failure trailer when none was recorded."""
    found = node.cli.get(" ".join(command.split()))
    if found is None:
        return t.failed(f"the replay of {node.name} has no recorded answer to this command")
    return found.rstrip("\n").split("\n") if found else []


async def _ssh_session(node: ReplayNode, process: Any) -> None:
    term = Terminal(process, echo=process.get_terminal_type() is not None)
    try:
        if process.command:
            term.write_lines(answer(node, process.command))
            process.exit(0)
            return
        term.write_lines(t.login_banner())
        while not term.closed:
            term.write(t.PROMPT)
            line = await term.read_line()
            if line is None or line.strip() in EXIT_WORDS:
                break
            if line.strip():
                term.write_lines(answer(node, line))
        process.exit(0)
    except (asyncssh.Error, ConnectionError, BrokenPipeError):
        return


# -- HTTPS ----------------------------------------------------------------------------------------


def soap_operation(content: bytes) -> tuple[str, str]:
    """(operation, AXL schema) of a SOAP request ("" when not SOAP or not AXL)."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        return "", ""
    for body in root:
        if isinstance(body.tag, str) and etree.QName(body).localname == "Body":
            for op in body:
                if isinstance(op.tag, str):
                    ns = etree.QName(op).namespace or ""
                    schema = ns.rsplit("/", 1)[-1] if "/AXL/API/" in ns else ""
                    return str(etree.QName(op).localname), schema
    return "", ""


def reply_for(node: ReplayNode, method: str, path: str, content: bytes) -> Response:
    operation, schema = soap_operation(content) if method == "POST" else ("", "")
    same = [
        e
        for e in node.http
        if e["method"] == method and e["path"] == path and e.get("operation", "") == operation
    ]
    exact = [e for e in same if e.get("schema", "") == schema]
    if not exact and schema:
        answered = sorted({e["schema"] for e in same if e["status"] == 200}, key=_version_key)
        if answered:
            return wrong_version_response(answered[-1], tuple(answered))
    chosen = exact or same
    if not chosen:
        return Response(
            f"the replay of {node.name} has no recorded reply to {method} {path} {operation}",
            status_code=404,
            media_type="text/plain",
        )
    e = chosen[0]
    return Response(str(e["body"]), status_code=int(e["status"]), media_type=e["content_type"])


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def replay_app(node: ReplayNode, credentials: Credentials) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    async def endpoint(request: Request, rest: str) -> Response:
        accounts = (credentials.os_admin, credentials.app_admin)
        if authenticate(request.headers.get("authorization"), *accounts) is None:
            return Response("Unauthorized", status_code=401, media_type="text/plain")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return reply_for(node, request.method, path, await request.body())

    app.add_api_route("/{rest:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])
    return app


def node_identity(fqdn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for this run's HTTPS listener of ``fqdn`` (pinned in tls_pins.json)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(fqdn)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


# -- files and lifecycle --------------------------------------------------------------------------


def inventory_text(running: RunningReplay, closed_port: int) -> str:
    pub = next(
        (n for n in running.nodes if n.product == "cucm" and n.role == "publisher"),
        running.nodes[0],
    )
    c = running.cluster
    lines = [
        *INVENTORY_HEADER,
        "",
        f"[clusters.{_toml_str(c)}]",
        f"publisher = {_toml_str(pub.fqdn)}",
        'credentials_file = "credentials.toml"',
    ]
    for n in running.nodes:
        lines += [
            "",
            f"[clusters.{_toml_str(c)}.nodes.{_toml_str(n.name)}]",
            'address = "127.0.0.1"',
            f"ssh_port = {running.ssh_ports[n.name]}",
            f"https_port = {running.https_ports[n.name]}",
            f"sip_tls_port = {closed_port}",
            f"xmpp_c2s_port = {closed_port}",
            f"xmpp_s2s_port = {closed_port}",
        ]
    return "\n".join([*lines, ""])


@contextlib.asynccontextmanager
async def running_replay(
    record: Path, *, state_dir: Path | None = None, ready_file: Path | None = None
) -> AsyncIterator[RunningReplay]:
    """Serve the record until the block ends: listeners up, files written."""
    cluster, nodes = load_record(record)
    own_dir = state_dir is None
    directory = Path(tempfile.mkdtemp(prefix="uccert-replay-")) if state_dir is None else state_dir
    directory.mkdir(parents=True, exist_ok=True)
    running = RunningReplay(
        cluster, nodes, Credentials.random(), directory, directory / "uccert.toml"
    )
    host_key = new_host_key()
    acceptors: list[Any] = []
    servers: list[HttpsServer] = []
    holders: list[socket.socket] = []
    pins: dict[str, str] = {}
    try:
        for n in nodes:

            async def handle(process: Any, node: ReplayNode = n) -> None:
                await _ssh_session(node, process)

            acceptor = await asyncssh.create_server(
                lambda: _ReplaySsh(running.credentials.os_admin),
                "127.0.0.1",
                0,
                server_host_keys=[host_key],
                process_factory=handle,
                line_editor=False,
                encoding="utf-8",
                keepalive_interval=0,
            )
            acceptors.append(acceptor)
            running.ssh_ports[n.name] = int(acceptor.sockets[0].getsockname()[1])
            server = HttpsServer(replay_app(n, running.credentials))
            holders.append(hold_port())  # the port stays this node's for the replay's life
            port = int(holders[-1].getsockname()[1])
            cert, key = node_identity(n.fqdn)
            await server.open(port, cert, key)
            servers.append(server)
            running.https_ports[n.name] = port
            pins[n.fqdn.lower()] = cert.public_bytes(Encoding.PEM).decode("ascii")
        public = host_key.export_public_key().decode().split()
        write_private(directory / "credentials.toml", credentials_toml(running.credentials))
        write_private(
            directory / "known_hosts",
            "".join(
                f"[127.0.0.1]:{p} {public[0]} {public[1]}\n" for p in running.ssh_ports.values()
            ),
        )
        write_private(
            directory / "tls_pins.json", json.dumps(pins, indent=2, sort_keys=True) + "\n"
        )
        holders.append(hold_port())  # bound, never listening: connections are refused
        running.inventory.write_text(inventory_text(running, int(holders[-1].getsockname()[1])))
        running.ready = {
            "nodes": [
                {
                    "name": n.name,
                    "fqdn": n.fqdn,
                    "product": n.product,
                    "role": n.role,
                    "version": n.version,
                    "address": "127.0.0.1",
                    "ports": {
                        "ssh": running.ssh_ports[n.name],
                        "https": running.https_ports[n.name],
                        "rest": running.https_ports[n.name],
                    },
                }
                for n in nodes
            ],
            "credentials": running.credentials.to_json(),
            "control_url": None,
            "inventory": str(running.inventory),
        }
        if ready_file is not None:
            write_private(ready_file, json.dumps(running.ready, indent=2) + "\n")
        yield running
    finally:
        await asyncio.gather(*(s.close() for s in servers), return_exceptions=True)
        for holder in holders:
            holder.close()
        for acceptor in acceptors:
            acceptor.close()
        for acceptor in acceptors:
            with contextlib.suppress(Exception):
                await acceptor.wait_closed()
        if ready_file is not None:
            with contextlib.suppress(OSError):
                ready_file.unlink()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
