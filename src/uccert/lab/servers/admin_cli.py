"""The admin CLI one node serves over SSH: parse a command line, act on the Lab, print.

Output comes from ``cli_templates`` only; state comes from the ``Lab`` only. A ``LabCommandError``
from the lab becomes the node's failure output (``Executed command unsuccessfully``). Faults
``command-fails`` and ``drop-after-command`` are taken here, per command line, after the node's
``latency.command`` (real seconds, 0 by default) has passed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from uccert.lab.state import Lab, LabCommandError

from . import cli_templates as t
from .clock import VirtualClock
from .latency import NO_LATENCY, Latency
from .terminal import Terminal

VIA = "ssh"


@dataclass(frozen=True)
class NodeContext:
    """What a node's CLI needs besides the lab: its name, the cluster's addresses, since when."""

    lab: Lab
    clock: VirtualClock
    node: str
    addresses: Mapping[str, str]  # node name -> IP printed by `show network cluster`
    since: dt.datetime  # when the cluster's nodes authenticated to each other
    latency: Latency = NO_LATENCY  # real seconds the node takes to log in / to answer
    # Real seconds an interactive session may sit at `admin:` before the node closes it (0:
    # never). Real nodes close idle CLI sessions (`set cli session timeout`, minutes) [guess:
    # the lab closes the connection without a message].
    idle_timeout: float = 0.0


class Drop(Exception):
    """The session must end now: ``exit``, end of input, or (``abort``) a drop-after-command."""

    def __init__(self, abort: bool = False) -> None:
        super().__init__("connection dropped" if abort else "session ended")
        self.abort = abort


def _major(version: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 99


class AdminShell:
    """One interactive session on one node."""

    def __init__(self, ctx: NodeContext, term: Terminal) -> None:
        self.ctx = ctx
        self.lab = ctx.lab
        self.node = ctx.node
        self.term = term
        self.paging = True

    @property
    def _zone(self) -> str:
        return self.lab.topology.zone_of(self.node)

    @property
    def _major(self) -> int:
        return _major(self.lab.spec(self.node).version)

    # -- session -----------------------------------------------------------------------------

    async def run_command(self, line: str) -> None:
        """Run one command line; raises Drop when the session must end."""
        words = line.split()
        if not words:
            return
        if words[0].lower() in ("exit", "quit"):
            raise Drop
        if self.ctx.latency.command > 0:
            await asyncio.sleep(self.ctx.latency.command)
        normalized = " ".join(words)
        self.ctx.clock.sync()
        if self.lab.take_fault("command-fails", self.node, normalized) is not None:
            self.term.write_lines(t.failed())
            return
        drop = self.lab.take_fault("drop-after-command", self.node, normalized) is not None
        self.term.muted = drop
        try:
            await self._dispatch(words)
        except LabCommandError as exc:
            self.term.write_lines(t.failed(str(exc) or None))
        finally:
            self.term.muted = False
        if drop:
            raise Drop(abort=True)

    async def _dispatch(self, words: list[str]) -> None:
        low = [w.lower() for w in words]
        for pattern, handler in _COMMANDS:
            n = len(pattern)
            if low[:n] == list(pattern):
                await handler(self, words[n:])
                return
        self.term.write_lines(t.failed())

    async def _print(self, lines: list[str]) -> None:
        await self.term.page(lines, self.paging)

    # -- commands ----------------------------------------------------------------------------

    async def pagination(self, args: list[str]) -> None:
        if len(args) != 1 or args[0].lower() not in ("on", "off"):
            self.term.write_lines(t.failed())
            return
        self.paging = args[0].lower() == "on"
        self.term.write_lines(t.pagination(self.paging))

    async def cert_list(self, args: list[str]) -> None:
        kind = args[0].lower() if len(args) == 1 else ""
        if kind == "own":
            entries = [(c.file, c.description) for c in self.lab.own_certs(self.node)]
        elif kind == "trust":
            entries = [(c.file, c.description) for c in self.lab.trust_certs(self.node)]
        else:
            self.term.write_lines(t.failed())
            return
        await self._print(t.cert_list(entries))

    async def show_own(self, args: list[str]) -> None:
        if len(args) != 1:
            self.term.write_lines(t.failed())
            return
        wanted = args[0]
        file = wanted if "/" in wanted else f"{wanted}/{wanted}.pem"
        for c in self.lab.own_certs(self.node):
            if c.file == file:
                await self._print(t.cert_dump(c.cert, c.pem, self._zone))
                return
        self.term.write_lines(t.failed(f"No certificate found for {wanted}"))

    async def show_trust(self, args: list[str]) -> None:
        if len(args) != 1:
            self.term.write_lines(t.failed())
            return
        wanted = args[0]
        for c in self.lab.trust_certs(self.node):
            if wanted in (c.file, c.file.split("/", 1)[-1]):
                pem = c.pem if t.TRUST_DUMP_INCLUDES_PEM else None
                await self._print(t.cert_dump(c.cert, pem, self._zone))
                return
        self.term.write_lines(t.failed(f"No certificate found for {wanted}"))

    async def regen(self, args: list[str]) -> None:
        if len(args) != 1:
            self.term.write_lines(t.failed())
            return
        unit = args[0]
        if unit not in {c.unit for c in self.lab.own_certs(self.node)}:
            raise LabCommandError(f"Invalid unit name: {unit}")
        self.term.write_lines(t.regen_warning(unit))
        if not await self._confirm(t.REGEN_QUESTION):
            return
        self.lab.regenerate(self.node, unit, via=VIA)
        self.ctx.clock.settle()
        self.term.write_lines(t.regen_done(unit, _major(self.lab.spec(self.node).version)))

    async def delete(self, args: list[str]) -> None:
        if len(args) != 2:
            self.term.write_lines(t.failed())
            return
        store, file = args
        if "/" in file:  # only the documented bare file name is accepted (DELETE_NOT_FOUND)
            self.term.write_lines(t.delete_not_found(store, file))
            return
        self.lab.delete_trust(self.node, store, f"{store}/{file}", via=VIA)
        self.ctx.clock.settle()
        self.term.write_lines(t.delete_done(file))

    async def import_cert(self, args: list[str]) -> None:
        if len(args) != 2 or args[0].lower() not in ("trust", "own"):
            self.term.write_lines(t.failed())
            return
        kind, unit = args[0].lower(), args[1]
        self.term.write_lines([t.PASTE_QUESTION])
        pem = await self._read_pem()
        if pem is None:
            raise Drop
        if kind == "trust":
            store = unit if unit.endswith("-trust") else f"{unit}-trust"
            self.lab.import_trust(self.node, store, pem, via=VIA)
        else:
            self.lab.import_own(self.node, unit, pem, via=VIA)
        self.ctx.clock.settle()
        self.term.write_lines(t.import_done(unit))

    async def csr(self, args: list[str]) -> None:
        if len(args) != 1:
            self.term.write_lines(t.failed())
            return
        self.lab.generate_csr(self.node, args[0], via=VIA)
        self.ctx.clock.settle()
        self.term.write_lines(t.csr_done(args[0]))

    async def csr_list(self, args: list[str]) -> None:
        if [a.lower() for a in args] != ["own"]:
            self.term.write_lines(t.failed())
            return
        units = [o.unit for o in self.lab.own_certs(self.node)]
        await self._print(t.csr_list(u for u in units if self.lab.pending_csr(self.node, u)))

    async def show_csr(self, args: list[str]) -> None:
        """`show csr own tomcat` [seen] or `show csr own tomcat/tomcat.csr`."""
        if len(args) != 1:
            self.term.write_lines(t.failed())
            return
        unit = args[0].split("/", 1)[0]
        if unit not in {o.unit for o in self.lab.own_certs(self.node)}:
            raise LabCommandError(f"Invalid unit name: {unit}")
        pem = self.lab.pending_csr(self.node, unit)
        if pem is None:
            self.term.write_lines(t.failed(f"No CSR found for {unit}"))
            return
        await self._print(t.csr_dump(pem))

    async def service_list(self, args: list[str]) -> None:
        if args:
            self.term.write_lines(t.failed())
            return
        lines = [
            t.ServiceLine(s.name, s.state, s.activated, s.reason, s.platform)
            for s in self.lab.services(self.node)
        ]
        await self._print(t.service_list(lines, self._major))

    async def service_control(self, args: list[str]) -> None:
        if len(args) < 2 or args[0].lower() not in ("start", "stop", "restart"):
            self.term.write_lines(t.failed())
            return
        action = args[0].lower()
        typed = " ".join(args[1:])
        names = {s.name.lower(): s.name for s in self.lab.services(self.node)}
        name = names.get(typed.lower(), typed)
        done = self.lab.control_service(self.node, name, action, via=VIA)  # type: ignore[arg-type]
        self.term.write_lines(t.service_control_header(action, self._major))
        final = await self._stream_service(name, action, done)
        self.ctx.clock.settle()
        wanted = "Stopped" if action == "stop" else "Started"
        if final != wanted:
            self.term.write_lines(t.failed())

    async def _stream_service(self, name: str, action: str, done: float) -> str:
        """Print each state the service passes through until it settles; return the last."""
        clock = self.ctx.clock
        deadline = done + 600.0  # simulated safety margin past the announced end
        last = ""
        while True:
            state = self.lab.service_state(self.node, name).state
            if state != last:
                if state != "Stopped" or action == "stop" or self.lab.now >= done:
                    self.term.write_lines(t.service_state_lines(name, state, self._major))
                last = state
            if self.lab.now >= done and state in ("Started", "Stopped"):
                return state
            if self.lab.now >= deadline or self.term.closed:
                return state
            await clock.step(deadline if self.lab.now >= done else done)

    async def network_cluster(self, args: list[str]) -> None:
        nodes = [
            t.ClusterNode(self.ctx.addresses[n.name], n.fqdn, n.product, n.role)
            for n in self.lab.topology.nodes
        ]
        me = self.lab.spec(self.node).fqdn
        await self._print(t.network_cluster(nodes, me, self.ctx.since, self.lab.topology.dns))

    async def ha_status(self, args: list[str]) -> None:
        """``utils ha status [group]``: every Presence Redundancy Group, or the one named."""
        groups = self.lab.ha_status()
        if args:
            groups = [g for g in groups if g[0].lower() == args[0].lower()]
            if not groups:
                self.term.write_lines(t.failed(f"no presence redundancy group {args[0]}"))
                return
        host = {n.name: n.fqdn.split(".", 1)[0] for n in self.lab.topology.nodes}
        shown = [(name, [(host[n], s, r) for n, s, r in rows]) for name, rows in groups]
        await self._print(t.ha_status(shown))

    async def dbreplication(self, args: list[str]) -> None:
        """``utils dbreplication runtimestate``: this node's product's nodes and their state."""
        if [a.lower() for a in args] != ["runtimestate"]:
            self.term.write_lines(t.failed())
            return
        spec = {n.name: n for n in self.lab.topology.nodes}
        rows = [
            t.ReplicationRow(spec[n].fqdn.split(".", 1)[0], self.ctx.addresses[n], state)
            for n, state in self.lab.replication(self.node)
        ]
        me = spec[self.node].fqdn.split(".", 1)[0]
        version = self.lab.display_version(self.node)
        await self._print(t.dbreplication_runtimestate(me, version, rows, self.lab.now_datetime()))

    async def timezone_config(self, args: list[str]) -> None:
        if [a.lower() for a in args] != ["config"]:
            self.term.write_lines(t.failed())
            return
        zone = self._zone
        abbreviation = self.lab.now_datetime().astimezone(ZoneInfo(zone)).tzname() or zone
        self.term.write_lines(t.timezone_config(zone, abbreviation))

    async def version(self, args: list[str]) -> None:
        if [a.lower() for a in args] != ["active"]:
            self.term.write_lines(t.failed())
            return
        self.term.write_lines(t.version_active(self.lab.display_version(self.node)))

    # -- prompts -----------------------------------------------------------------------------

    async def _confirm(self, question: str) -> bool:
        while True:
            answer = await self.term.ask(question)
            if answer is None:
                raise Drop
            word = answer.strip().lower()
            if word == "yes":
                return True
            if word == "no":
                return False

    async def _read_pem(self) -> str | None:
        """PEM lines until END CERTIFICATE and a blank line (another BEGIN continues a chain)."""
        lines: list[str] = []
        ended = False
        while True:
            line = await self.term.read_line()
            if line is None:
                return "\n".join(lines) + "\n" if ended else None
            text = line.strip()
            if ended and not text:
                return "\n".join(lines) + "\n"
            if text:
                lines.append(text)
                ended = "END CERTIFICATE" in text
            if ended and "BEGIN" in text:
                ended = False


Handler = Callable[[AdminShell, list[str]], Awaitable[None]]

_COMMANDS: tuple[tuple[tuple[str, ...], Handler], ...] = (
    (("set", "cli", "pagination"), AdminShell.pagination),
    (("show", "cert", "list"), AdminShell.cert_list),
    (("show", "cert", "own"), AdminShell.show_own),
    (("show", "cert", "trust"), AdminShell.show_trust),
    (("set", "cert", "regen"), AdminShell.regen),
    (("set", "cert", "delete"), AdminShell.delete),
    (("set", "cert", "import"), AdminShell.import_cert),
    (("set", "csr", "gen"), AdminShell.csr),
    (("show", "csr", "list"), AdminShell.csr_list),
    (("show", "csr", "own"), AdminShell.show_csr),
    (("utils", "ha", "status"), AdminShell.ha_status),
    (("utils", "dbreplication"), AdminShell.dbreplication),
    (("utils", "service", "list"), AdminShell.service_list),
    (("utils", "service"), AdminShell.service_control),
    (("show", "network", "cluster"), AdminShell.network_cluster),
    (("show", "version"), AdminShell.version),
    (("show", "timezone"), AdminShell.timezone_config),
)
