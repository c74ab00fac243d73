"""`uccert pin`: record the SSH host keys and TLS certs the nodes present, after showing them.

uccert never turns verification off: a cluster's self-signed Tomcat certs and its SSH host keys
are trusted only once pinned (``known_hosts`` and ``tls_pins.json`` next to the inventory). This
command is how they get there: it shows what each node presents, with its SHA-256 fingerprint
and whether that is new, unchanged or CHANGED, and records it only after a confirmation (or
``--yes``). Unchanged pins are left alone; a changed one is replaced only after a loud warning.

What is probed per node, at the address and ports of its inventory override (else its FQDN and
22 / 8443 / 443): the SSH host key (a key exchange, no login) and the certificate presented on
its HTTPS port, and on its REST port when that is another port (no request is sent).

Which nodes: every node the CUCM publisher lists. The OS admin's password is only ever sent
to a pinned host key, so when the publisher's key is not pinned yet (or changed) the publisher
is shown and confirmed on its own first; then it is asked for its nodes, over AXL as every other
command does (so the names match) when its cert is pinned, else with ``show network cluster``
over SSH. For the same reason ``uccert pin NODE`` for a node other than a publisher needs that
publisher's key pinned already (``uccert pin`` with no NODE does both).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from uccert.config import (
    DEFAULT_INVENTORY,
    ClusterConfig,
    NodeOverride,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.errors import ClusterError, ConfigError, ExitCode, UccertError

from .common import ClusterOption, InventoryOption, JsonOption, console
from .output import clean

SCHEMA_VERSION: Final = 1
CONCURRENCY: Final = 8
SSH_KEY: Final = "ssh host key"
HTTPS_CERT: Final = "https cert"
REST_CERT: Final = "rest cert"
UNREADABLE_PIN: Final = "(unreadable pin)"
_FAILURES = (UccertError, OSError, TimeoutError)


class Status(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class NodeRef:
    """One node to probe: its cluster, CUCM name and FQDN (the TLS pin's key)."""

    cluster: ClusterConfig
    name: str
    fqdn: str

    def override(self) -> NodeOverride:
        """As NodeTargets looks it up: by CUCM name, then by FQDN."""
        nodes = self.cluster.nodes
        return nodes.get(self.name) or nodes.get(self.fqdn) or NodeOverride()

    def matches(self, wanted: str) -> bool:
        return wanted.lower() in (self.name.lower(), self.fqdn.lower())


@dataclass(frozen=True)
class Probe:
    """What one node presents on one port, and what was pinned for it before."""

    node: NodeRef
    what: str
    address: str
    port: int
    pinned: tuple[str, ...]  # fingerprints pinned before
    fingerprint: str | None = None
    material: str | None = field(default=None, repr=False)  # OpenSSH key text or PEM
    error: str | None = None
    recorded: bool = False

    @property
    def status(self) -> Status:
        if self.fingerprint is None:
            return Status.UNREACHABLE
        if not self.pinned:
            return Status.NEW
        return Status.UNCHANGED if self.fingerprint in self.pinned else Status.CHANGED

    @property
    def needs_recording(self) -> bool:
        return self.status in (Status.NEW, Status.CHANGED)

    def status_text(self) -> str:
        status = self.status
        if status is Status.CHANGED:
            return f"CHANGED (pinned: {', '.join(self.pinned)})"
        if status is Status.UNREACHABLE:
            return f"unreachable: {self.error}"
        return status.value

    def to_json(self) -> dict[str, object]:
        return {
            "cluster": self.node.cluster.name,
            "node": self.node.name,
            "fqdn": self.node.fqdn,
            "what": self.what.replace(" ", "_"),
            "address": self.address,
            "port": self.port,
            "fingerprint": self.fingerprint,
            "status": self.status.value,
            "pinned": list(self.pinned),
            "error": self.error,
            "recorded": self.recorded,
        }


def _ssh_where(node: NodeRef) -> tuple[str, int]:
    from uccert.cluster import SSH_PORT

    over = node.override()
    return over.address or node.fqdn, over.ssh_port or SSH_PORT


def _tls_ports(node: NodeRef) -> dict[str, int]:
    """HTTPS (AXL, Control Center) and REST ports, as NodeTargets picks them; REST only when
    it is another port (one Tomcat serves both)."""
    from uccert.cluster import AXL_PORT, REST_PORT

    over = node.override()
    https = over.https_port or AXL_PORT
    rest = over.rest_port or over.https_port or REST_PORT
    return {HTTPS_CERT: https} if rest == https else {HTTPS_CERT: https, REST_CERT: rest}


def _why(exc: BaseException) -> str:
    if isinstance(exc, UccertError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "timed out: check the address, port and that the node is up"
    return f"{type(exc).__name__}: {exc or 'no detail'}: check the address, port and the node"


async def probe_ssh(node: NodeRef, pins_dir: Path, timeout: float) -> Probe:
    """The host key the node's SSH server presents (key exchange only, no login)."""
    from uccert.transport import KnownHostsStore, fetch_host_key, fingerprint

    host, port = _ssh_where(node)
    pinned = tuple(p.fingerprint for p in KnownHostsStore(pins_dir).pinned(host, port))
    probe = Probe(node, SSH_KEY, host, port, pinned)
    try:
        text = await fetch_host_key(host, port, timeout)
    except (UccertError, OSError, TimeoutError) as exc:
        return replace(probe, error=_why(exc))
    return replace(probe, fingerprint=fingerprint(text), material=text)


def _pinned_certs(pins_dir: Path, fqdn: str) -> tuple[str, ...]:
    from uccert.transport import TlsPinStore, cert_fingerprint, parse_pem

    pem = TlsPinStore(pins_dir).pinned(fqdn)
    if not pem:
        return ()
    try:
        return tuple(cert_fingerprint(c) for c in parse_pem(pem))
    except ConfigError:
        return (UNREADABLE_PIN,)  # shown as CHANGED: whatever is there is replaced


async def probe_tls(node: NodeRef, what: str, port: int, pins_dir: Path, timeout: float) -> Probe:
    """The certificate the node presents on ``port`` (handshake only, nothing sent)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from uccert.transport import cert_fingerprint, fetch_presented_cert

    address = node.override().address or node.fqdn
    probe = Probe(node, what, address, port, _pinned_certs(pins_dir, node.fqdn))
    try:
        cert = await fetch_presented_cert(address, port, node.fqdn, timeout=timeout)
    except (UccertError, OSError, TimeoutError, ValueError) as exc:
        return replace(probe, error=_why(exc))
    pem = cert.public_bytes(Encoding.PEM).decode("ascii")
    return replace(probe, fingerprint=cert_fingerprint(cert), material=pem)


async def probe_nodes(nodes: Sequence[NodeRef], pins_dir: Path, *, ssh: bool = True) -> list[Probe]:
    """Every node's SSH key (unless ``ssh=False``) and TLS certs, a few at a time."""
    import asyncio

    bound = asyncio.Semaphore(CONCURRENCY)

    async def bounded(coro: Coroutine[Any, Any, Probe]) -> Probe:
        async with bound:
            return await coro

    jobs = []
    for n in nodes:
        timeout = n.cluster.timing.connect_timeout
        if ssh:
            jobs.append(bounded(probe_ssh(n, pins_dir, timeout)))
        for what, port in _tls_ports(n).items():
            jobs.append(bounded(probe_tls(n, what, port, pins_dir, timeout)))
    return list(await asyncio.gather(*jobs))


def record(probes: Sequence[Probe], pins_dir: Path) -> list[Probe]:
    """Write what is new or changed (SSH per address/port; TLS per FQDN: every cert the node
    presents now, so an HTTPS and a REST port with different certs are both trusted)."""
    from uccert.transport import KnownHostsStore, TlsPinStore

    keys = KnownHostsStore(pins_dir)
    certs = TlsPinStore(pins_dir)
    by_fqdn: dict[str, list[Probe]] = {}
    for p in probes:
        if p.what != SSH_KEY and p.material is not None:
            by_fqdn.setdefault(p.node.fqdn.lower(), []).append(p)
    tls_changed = {f for f, ps in by_fqdn.items() if any(p.needs_recording for p in ps)}
    for fqdn in sorted(tls_changed):
        pems = dict.fromkeys(p.material for p in by_fqdn[fqdn] if p.material is not None)
        certs.pin(fqdn, "".join(pems))
    out = []
    for p in probes:
        if p.what == SSH_KEY and p.needs_recording and p.material is not None:
            keys.pin(p.address, p.port, p.material)
        recorded = p.needs_recording and (p.what == SSH_KEY or p.node.fqdn.lower() in tls_changed)
        out.append(replace(p, recorded=recorded))
    return out


def render(probes: Sequence[Probe], out: Console) -> None:
    table = Table()
    for header in ("cluster", "node", "what", "at", "SHA-256 fingerprint", "status"):
        table.add_column(header, overflow="fold")
    for p in probes:
        cells = (p.node.cluster.name, p.node.name, p.what, f"{p.address}:{p.port}")
        table.add_row(
            *(Text(clean(c)) for c in cells),
            p.fingerprint or "-",
            Text(clean(p.status_text())),
        )
    out.print(table)


def warn_changed(probes: Iterable[Probe]) -> None:
    """A changed key or cert may be an attack: say so loudly, before any confirmation."""
    for p in probes:
        if p.status is Status.CHANGED:
            print(
                f"WARNING: {p.node.cluster.name}/{p.node.name}: the {p.what} at "
                f"{p.address}:{p.port} CHANGED: now {p.fingerprint}, pinned "
                f"{', '.join(p.pinned)}. This may be an attack (someone between you and the "
                "node) or a regenerated cert / reinstalled node: compare the new fingerprint "
                "with the node's own (`show cert own tomcat`, the node's console) before "
                "recording it.",
                file=sys.stderr,
            )


def interactive() -> bool:
    """Whether someone can answer the confirmation (a test may pretend so)."""
    return sys.stdin.isatty()


@dataclass
class Session:
    """One `uccert pin` invocation: options, where pins go, and what was shown so far."""

    pins_dir: Path
    yes: bool
    json_out: bool
    shown: list[Probe] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def confirm_and_record(self, probes: list[Probe], heading: str | None = None) -> bool:
        """Show ``probes``; record what is new or changed once confirmed. False if declined."""
        todo = [p for p in probes if p.needs_recording]
        ask = bool(todo) and not self.yes
        if not self.json_out or ask:
            out = console() if not self.json_out else Console(stderr=True)
            if heading:
                out.print(Text(clean(heading)), highlight=False)
            render(probes, out)
        warn_changed(probes)
        if not todo:
            self.shown.extend(probes)
            return True
        if ask:
            if not interactive():
                raise ConfigError(
                    "stdin is not a terminal, so nobody can confirm these pins — check the "
                    "fingerprints above, then run again with --yes to record them"
                )
            if not typer.confirm("Record these pins?", default=False, err=True):
                self.shown.extend(probes)
                return False
        done = record(probes, self.pins_dir)
        self.shown.extend(done)
        if not self.json_out:
            print(f"recorded {sum(p.recorded for p in done)} pin(s) in {self.pins_dir}")
        return True


@dataclass
class ClusterNodes:
    """A cluster's publisher, and its nodes once listed over SSH."""

    config: ClusterConfig
    publisher: NodeRef
    nodes: tuple[NodeRef, ...] | None = None
    listing_error: str | None = None

    @classmethod
    def of(cls, config: ClusterConfig) -> ClusterNodes:
        publisher = config.publisher
        name = publisher if publisher in config.nodes else publisher.split(".", 1)[0]
        return cls(config, NodeRef(config, name, publisher))

    def known(self) -> tuple[NodeRef, ...]:
        return self.nodes if self.nodes is not None else (self.publisher,)


async def list_nodes(clusters: Sequence[ClusterNodes], pins_dir: Path) -> None:
    """Ask each cluster's publisher (its host key pinned) for its nodes: over AXL when its
    cert is pinned too, as every other command does (same names), else show network cluster."""
    from uccert.cluster import ClusterClient

    async def one(c: ClusterNodes) -> None:
        prompt = getpass.getpass if interactive() else None
        creds = resolve_credentials(c.config.credentials, cluster=c.config.name, prompt=prompt)
        client = ClusterClient(c.config, creds, pins_dir)
        try:
            found, _ = await client.discover_axl()  # only if the publisher's cert is pinned
        except _FAILURES:
            try:
                found = await client.discover_cli()
            except _FAILURES as exc:
                c.listing_error = _why(exc)
                return
        nodes = [NodeRef(c.config, n.name, n.fqdn) for n in found]
        if not any(n.fqdn.lower() == c.publisher.fqdn.lower() for n in nodes):
            nodes.insert(0, c.publisher)
        c.nodes = tuple(nodes)

    for c in clusters:  # one at a time: a credentials prompt must not interleave
        await one(c)


def check_wanted(clusters: Sequence[ClusterNodes], wanted: Sequence[str]) -> None:
    """Every NODE names a node of a selected cluster (ConfigError before anything is written)."""
    missing = [w for w in wanted if not any(n.matches(w) for c in clusters for n in c.known())]
    if not missing:
        return
    names = ", ".join(repr(m) for m in missing)
    unlisted = [c for c in clusters if c.nodes is None and c.listing_error is None]
    failed = [c for c in clusters if c.listing_error is not None]
    if unlisted:
        pubs = " ".join(c.publisher.name for c in unlisted)
        raise ConfigError(
            f"no node named {names} is known yet: the nodes are listed by the publisher over "
            f"SSH, and its host key is not pinned — run `uccert pin` for every node, or "
            f"`uccert pin {pubs}` first"
        )
    if failed:
        why = "; ".join(f"{c.config.name}: {c.listing_error}" for c in failed)
        raise ClusterError(
            f"cannot tell whether {names} is a node: the nodes were not listed ({why})"
        )
    known = ", ".join(sorted({n.name for c in clusters for n in c.known()}))
    raise ConfigError(
        f"no node named {names} in the selected cluster(s) — known nodes: {known}; give node "
        "names or FQDNs, or no NODE for every node"
    )


def pin(
    nodes: Annotated[
        list[str] | None,
        typer.Argument(metavar="[NODE]...", help="Node names or FQDNs (default: every node)."),
    ] = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Record without asking (check the fingerprints first).")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Show the SSH host keys and TLS certs the nodes present; record them as pins."""
    import asyncio  # the commands' stacks: not for --help

    inv = load_inventory(inventory)
    selected = select_clusters(inv, cluster)
    pins_dir = inv.path.resolve().parent
    wanted = tuple(nodes or ())
    session = Session(pins_dir, yes, json_out)
    clusters = [ClusterNodes.of(c) for c in selected]
    asyncio.run(_pin(session, clusters, wanted))


async def _pin(session: Session, clusters: Sequence[ClusterNodes], wanted: tuple[str, ...]) -> None:
    """Both rounds in one event loop (the questions between them block it: nothing else runs)."""
    pins_dir = session.pins_dir

    def wants(node: NodeRef) -> bool:
        return not wanted or any(node.matches(w) for w in wanted)

    # The publisher's host key decides how each cluster's nodes can be listed: now, over SSH
    # (pinned and unchanged), or only once it is pinned (round 1).
    keys = await _probe_publisher_keys(clusters, pins_dir)
    beyond_publishers = not wanted or any(
        not any(c.publisher.matches(w) for c in clusters) for w in wanted
    )
    if beyond_publishers:
        ready = [c for c, k in zip(clusters, keys, strict=True) if k.status is Status.UNCHANGED]
        await list_nodes(ready, pins_dir)
    check_wanted(clusters, wanted)

    # Round 1: publishers whose host key is new or changed, on their own.
    first = [
        (c, k)
        for c, k in zip(clusters, keys, strict=True)
        if k.status is not Status.UNCHANGED and wants(c.publisher)
    ]
    done = {(c.config.name, c.publisher.fqdn.lower()) for c, _ in first}
    if first:
        tls = await probe_nodes([c.publisher for c, _ in first], pins_dir, ssh=False)
        heading = (
            "The publisher first: it is asked for the other nodes once its host key is pinned."
        )
        if not session.confirm_and_record([k for _, k in first] + tls, heading):
            _finish(session, declined=True)
        if not wanted:  # (check_wanted: a NODE in such a cluster can only be its publisher)
            pinned_now = [c for c, k in first if k.fingerprint is not None]
            await list_nodes(pinned_now, pins_dir)

    # Round 2: every wanted node not shown yet.
    rest = [
        n
        for c in clusters
        for n in c.known()
        if wants(n) and (c.config.name, n.fqdn.lower()) not in done
    ]
    if rest:
        probes = await probe_nodes(rest, pins_dir)
        if not session.confirm_and_record(probes):
            _finish(session, declined=True)
    if not wanted:
        session.problems += [
            f"{c.config.name}: nodes not listed, only the publisher was pinned: {c.listing_error}"
            for c in clusters
            if c.listing_error is not None
        ]
    _finish(session, declined=False)


async def _probe_publisher_keys(clusters: Sequence[ClusterNodes], pins_dir: Path) -> list[Probe]:
    import asyncio

    return list(
        await asyncio.gather(
            *(probe_ssh(c.publisher, pins_dir, c.config.timing.connect_timeout) for c in clusters)
        )
    )


def _finish(session: Session, *, declined: bool) -> None:
    """Print the JSON document and the problems; exit with the command's code."""
    if session.json_out:
        from uccert.model import dumps

        doc = {
            "schema_version": SCHEMA_VERSION,
            "pins_dir": str(session.pins_dir),
            "declined": declined,
            "pins": [p.to_json() for p in session.shown],
            "problems": session.problems,
        }
        sys.stdout.write(dumps(doc))
    unreached = [p for p in session.shown if p.status is Status.UNREACHABLE]
    for p in unreached:
        print(
            f"warning: {p.node.cluster.name}/{p.node.name}: {p.what} not reached: {p.error}",
            file=sys.stderr,
        )
    for problem in session.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if declined:
        print("not recorded: nothing more was written", file=sys.stderr)
        raise typer.Exit(ExitCode.FAILED)
    if not session.json_out and not any(p.recorded for p in session.shown):
        print("nothing to record: no key or cert is new or changed")
    if unreached or session.problems:
        raise typer.Exit(ExitCode.FAILED)
