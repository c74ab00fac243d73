"""What `uccert doctor --record DIR` writes: every answer each interface gave, in the plain file
layout `uccert lab up --replay DIR` serves back (docs/doctor.md describes it; the lab reads it
with its own code, so the layout is the contract, not these classes).

Secrets are always removed before anything is written: the passwords uccert used wherever they
appear, every ``PRIVATE KEY`` PEM block, and HTTP authorization headers (never recorded).
``redact`` also replaces the nodes' host names and domains with placeholders and the serial
numbers printed in text with a fixed mark; PEM certificate blocks are kept whole (they are what
any TLS client of the node sees, and a replay needs them to read the same certs).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from lxml import etree

from uccert.transport import AdminCliSession

FORMAT: Final = "uccert-doctor-record"
FORMAT_VERSION: Final = 1
SECRET_MARK: Final = "<secret removed>"
SERIAL_MARK: Final = "<serial redacted>"
PEM_BLOCK_RE: Final = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
PRIVATE_KEY_RE: Final = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S
)
# "Serial Number: 1a2b..." in a cert dump, "serialNumber": "..." in JSON: (pattern, replacement)
_SERIAL_RES: Final = (
    (re.compile(r"(?im)^(\s*Serial\s*Number\s*:\s*)\S.*$"), rf"\g<1>{SERIAL_MARK}"),
    (re.compile(r'(?i)("serial(?:Number)?"\s*:\s*)"[^"]*"'), rf'\g<1>"{SERIAL_MARK}"'),
)
_SOAPACTION_RE: Final = re.compile(r"ver=(?P<ver>[0-9.]+)")
_PARSER: Final = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class NodeRecording:
    """Everything one node answered, in the order asked."""

    name: str
    fqdn: str
    product: str
    role: str
    version: str = ""
    cli: list[dict[str, str]] = field(default_factory=list)
    http: list[dict[str, Any]] = field(default_factory=list)
    tls: list[dict[str, Any]] = field(default_factory=list)


def soap_operation(content: bytes) -> tuple[str, str]:
    """(operation, schema version) of a SOAP request body ("" when it is not one)."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        return "", ""
    for body in root:
        if isinstance(body.tag, str) and etree.QName(body).localname == "Body":
            for op in body:
                if isinstance(op.tag, str):
                    qname = etree.QName(op)
                    ns = qname.namespace or ""
                    schema = ns.rsplit("/", 1)[-1] if "/AXL/API/" in ns else ""
                    return qname.localname, schema
    return "", ""


def record_http(http: httpx.AsyncClient, recording: NodeRecording, interface: str) -> None:
    """Add a response hook that keeps every answer (status, type, body) of ``http``."""

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        operation, schema = (
            soap_operation(request.content) if request.method == "POST" else ("", "")
        )
        recording.http.append(
            {
                "interface": interface,
                "method": request.method,
                "path": request.url.raw_path.decode("ascii", "replace"),
                "operation": operation,
                "schema": schema,
                "status": response.status_code,
                "content_type": response.headers.get("content-type", ""),
                "body": response.text,
            }
        )

    http.event_hooks = {**http.event_hooks, "response": [*http.event_hooks["response"], keep]}


class RecordingCliSession(AdminCliSession):
    """An admin CLI session that keeps each command's output (as the client read it)."""

    recording: NodeRecording | None = None

    async def run(self, command: str, timeout: float | None = None) -> str:
        out = await super().run(command, timeout)
        if self.recording is not None:
            self.recording.cli.append({"command": command, "output": out})
        return out


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` without private keys and without any of ``secrets``."""
    out = PRIVATE_KEY_RE.sub(SECRET_MARK, text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, SECRET_MARK)
    return out


def host_names(nodes: Iterable[NodeRecording]) -> dict[str, str]:
    """Host name or domain -> placeholder, longest first (FQDNs before their short names)."""
    found: dict[str, str] = {}
    domains: list[str] = []
    for i, node in enumerate(nodes, start=1):
        short, _, domain = node.fqdn.partition(".")
        found[node.fqdn] = f"node{i}.example.invalid" if domain else f"node{i}"
        found[short] = f"node{i}"
        if node.name not in found:
            found[node.name] = f"node{i}"
        if domain and domain not in domains:
            domains.append(domain)
    for j, domain in enumerate(domains, start=1):
        found.setdefault(domain, "example.invalid" if j == 1 else f"example{j}.invalid")
    return dict(sorted(found.items(), key=lambda kv: -len(kv[0])))


def redact(text: str, names: Mapping[str, str]) -> str:
    """Host names and printed serials replaced; PEM certificate blocks left as they are."""
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00PEM{len(kept) - 1}\x00"

    out = PEM_BLOCK_RE.sub(hold, text)
    for pattern, replacement in _SERIAL_RES:
        out = pattern.sub(replacement, out)
    for name, placeholder in names.items():
        # A name stands alone or inside a file name (cucm-pub-EC..., host_serial.pem); a
        # domain (or FQDN) may also follow a dot (other.lab.example).
        before = r"(?<![A-Za-z0-9-])" if "." in name else r"(?<![A-Za-z0-9.-])"
        out = re.sub(rf"(?i){before}{re.escape(name)}(?![A-Za-z0-9])", placeholder, out)
    return re.sub(r"\x00PEM(\d+)\x00", lambda m: kept[int(m.group(1))], out)


def _clean(value: Any, secrets: tuple[str, ...], names: Mapping[str, str] | None) -> Any:
    if isinstance(value, str):
        text = scrub(value, secrets)
        return redact(text, names) if names is not None else text
    if isinstance(value, list):
        return [_clean(v, secrets, names) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, secrets, names) for k, v in value.items()}
    return value


def write_record(
    directory: Path,
    cluster: str,
    nodes: list[NodeRecording],
    checks: list[dict[str, str]],
    secrets: Iterable[str],
    *,
    redacted: bool = False,
) -> Path:
    """Write the record (docs/doctor.md) under ``directory``; returns ``record.json``'s path."""
    hidden = tuple(s for s in secrets if s)
    names = host_names(nodes) if redacted else None
    directory.mkdir(parents=True, exist_ok=True)
    index = []
    for i, node in enumerate(nodes):
        folder = f"nodes/{i:02d}"
        (directory / folder).mkdir(parents=True, exist_ok=True)
        for part in ("cli", "http", "tls"):
            data = _clean(getattr(node, part), hidden, names)
            _write(directory / folder / f"{part}.json", data)
        index.append(
            _clean(
                {
                    "name": node.name,
                    "fqdn": node.fqdn,
                    "product": node.product,
                    "role": node.role,
                    "version": node.version,
                    "dir": folder,
                },
                hidden,
                names,
            )
        )
    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "cluster": _clean(cluster, hidden, names),
        "redacted": redacted,
        "nodes": index,
        "checks": _clean(checks, hidden, names),
    }
    path = directory / "record.json"
    _write(path, record)
    return path


def _write(path: Path, data: Any) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
