"""`uccert demo`: start the demo lab in-process and look at it over SSH like an admin would.

It logs in to every node's admin CLI, reads every identity and trust certificate with the
client's parsers (``uccert.protocols``), shows what is about to expire or already has, then
regenerates one certificate and restarts its service with the output streamed as it comes.
Later issues grow this into the main job (inventory, checks, plan, regeneration, verification).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncssh
from rich.console import Console
from rich.table import Table
from rich.text import Text

from uccert.protocols import CertDump, parse_cert_dump, parse_cert_list

PROMPT = "admin:"
DEMO_TIME_SCALE = 0.01
EXPIRY_WARN_DAYS = 30
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# The live part: regenerate this unit on this node, then restart the service that loads it.
LIVE_NODE = "imp-pub"
LIVE_UNIT = "cup"
LIVE_SERVICE = "Cisco SIP Proxy"


class AdminSession:
    """A minimal expect-style admin CLI client over asyncssh."""

    def __init__(self, process: Any) -> None:
        self._process = process
        self._buffer = ""

    async def read_until(
        self, marker: str, timeout: float = 60.0, on_line: Callable[[str], None] | None = None
    ) -> str:
        async def _read() -> str:
            while marker not in self._buffer:
                data = await self._process.stdout.read(4096)
                if not data:
                    raise ConnectionError("the node closed the session")
                self._buffer += data
                if on_line is not None:
                    while "\n" in self._buffer and marker not in self._buffer.split("\n")[0]:
                        line, _, self._buffer = self._buffer.partition("\n")
                        on_line(_ANSI.sub("", line).rstrip("\r"))
            text, _, self._buffer = self._buffer.partition(marker)
            return text

        return await asyncio.wait_for(_read(), timeout)

    async def run(self, command: str) -> str:
        """Send a command; return its output (the echoed command removed)."""
        self._process.stdin.write(command + "\n")
        return _strip_echo(await self.read_until(PROMPT), command)

    async def stream(self, command: str, on_line: Callable[[str], None]) -> None:
        """Send a command and hand each output line to ``on_line`` as it arrives."""
        self._process.stdin.write(command + "\n")
        await self.read_until(PROMPT, on_line=on_line)

    async def answer(self, command: str, prompt: str, reply: str) -> str:
        """Send a command that asks a question, answer it, return everything it printed."""
        self._process.stdin.write(command + "\n")
        asked = await self.read_until(prompt)
        self._process.stdin.write(reply + "\n")
        return _strip_echo(asked + prompt + await self.read_until(PROMPT), command)


def _strip_echo(text: str, command: str) -> str:
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    first, _, rest = text.partition("\n")
    return rest if first.strip() == command else text


@dataclass(frozen=True)
class Held:
    """One certificate as read over SSH: where it lives and what its dump says."""

    node: str
    path: str
    self_signed: bool
    dump: CertDump


@dataclass(frozen=True)
class NodeView:
    name: str
    product: str
    role: str
    version: str
    identities: tuple[Held, ...]
    trusts: tuple[Held, ...]
    cluster: str


async def _read_certs(session: AdminSession, node: str, kind: str) -> tuple[Held, ...]:
    listing = parse_cert_list(await session.run(f"show cert list {kind}"))
    held = []
    for entry in listing:
        dump = parse_cert_dump(await session.run(f"show cert {kind} {entry.path}"))
        held.append(Held(node, entry.path, entry.self_signed, dump))
    return tuple(held)


def _connect(node: dict[str, Any], username: str, password: str, host_key: str) -> Any:
    # The lab's host key is pinned: the same known_hosts check a real node gets.
    known = asyncssh.import_known_hosts(f"[127.0.0.1]:{node['ports']['ssh']} {host_key}\n")
    return asyncssh.connect(
        "127.0.0.1",
        node["ports"]["ssh"],
        username=username,
        password=password,
        known_hosts=known,
        client_keys=None,
        agent_path=None,
    )


async def _open_shell(conn: Any) -> AdminSession:
    process = await conn.create_process(term_type="vt100", term_size=(200, 24))
    session = AdminSession(process)
    await session.read_until(PROMPT)
    await session.run("set cli pagination off")
    return session


async def _look_at(node: dict[str, Any], username: str, password: str, host_key: str) -> NodeView:
    async with _connect(node, username, password, host_key) as conn:
        session = await _open_shell(conn)
        version = await session.run("show version active")
        identities = await _read_certs(session, node["name"], "own")
        trusts = await _read_certs(session, node["name"], "trust")
        cluster = await session.run("show network cluster")
    active = next((v for v in version.splitlines() if v.startswith("Active Master Version:")), "?")
    return NodeView(
        name=node["name"],
        product=node["product"],
        role=node["role"],
        version=active.split(":", 1)[-1].strip(),
        identities=identities,
        trusts=trusts,
        cluster=cluster.rstrip(),
    )


def _days_left(dump: CertDump, now: datetime) -> int:
    return (dump.not_after - now).days


def _days_text(days: int) -> Text:
    if days < 0:
        return Text(f"expired {-days} d ago", style="bold red")
    if days <= EXPIRY_WARN_DAYS:
        return Text(f"{days} d", style="bold yellow")
    return Text(f"{days} d", style="green")


def _identity_table(views: list[NodeView], now: datetime) -> Table:
    table = Table(title="Identity certificates (show cert own)", title_justify="left")
    for column in ("node", "unit", "type", "serial", "expires", "left"):
        table.add_column(column, no_wrap=True)
    for view in views:
        for held in view.identities:
            dump = held.dump
            table.add_row(
                view.name,
                held.path.split("/", 1)[0],
                "self-signed" if held.self_signed else f"CA: {dump.issuer_cn}",
                dump.serial[:8],
                dump.not_after.strftime("%Y-%m-%d"),
                _days_text(_days_left(dump, now)),
            )
        table.add_section()
    return table


def _trust_table(views: list[NodeView], now: datetime) -> Table:
    table = Table(title="Trust stores (show cert trust)", title_justify="left")
    for column in ("node", "trust certs", "expired", "duplicates", "CUCM publisher ipsec"):
        table.add_column(column, no_wrap=True)
    pub_ipsec = next(
        h.dump.serial
        for v in views
        if v.product == "cucm" and v.role == "publisher"
        for h in v.identities
        if h.path == "ipsec/ipsec.pem"
    )
    for view in views:
        expired = sum(1 for h in view.trusts if h.dump.not_after < now)
        seen: dict[tuple[str, str], int] = {}
        for h in view.trusts:
            store = h.path.split("/", 1)[0]
            seen[(store, h.dump.serial)] = seen.get((store, h.dump.serial), 0) + 1
        duplicates = sum(n - 1 for n in seen.values() if n > 1)
        in_ipsec_trust = {h.dump.serial for h in view.trusts if h.path.startswith("ipsec-trust/")}
        ipsec = (
            Text("present", style="green")
            if pub_ipsec in in_ipsec_trust
            else Text("MISSING (old serial held)", style="bold red")
        )
        table.add_row(
            view.name,
            str(len(view.trusts)),
            Text(str(expired), style="bold red" if expired else "green"),
            Text(str(duplicates), style="bold yellow" if duplicates else "green"),
            ipsec,
        )
    return table


async def _live_regeneration(
    console: Console, node: dict[str, Any], username: str, password: str, host_key: str
) -> None:
    async with _connect(node, username, password, host_key) as conn:
        session = await _open_shell(conn)
        command = f"set cert regen {LIVE_UNIT}"
        console.print(f"[bold]{node['name']}[/] admin:{command}")
        out = await session.answer(command, "(yes|no)?", "yes")
        console.print(Text(out.strip()), soft_wrap=True)
        command = f"utils service restart {LIVE_SERVICE}"
        console.print(f"[bold]{node['name']}[/] admin:{command}")

        def show(line: str) -> None:
            if line.strip() and line.strip() != command:
                console.print(Text("  " + line), soft_wrap=True)

        await session.stream(command, show)


async def run_demo(console: Console) -> None:
    from uccert.lab.servers.runtime import running_lab

    started = time.monotonic()
    console.print("[bold]Starting the demo lab[/] (6 nodes, in-process, on 127.0.0.1) ...")
    async with running_lab(preset_name="demo", time_scale=DEMO_TIME_SCALE) as lab:
        console.print(f"Lab up in {time.monotonic() - started:.1f} s; reading every node over SSH")
        os_admin = lab.credentials.os_admin
        login = (os_admin.username, os_admin.password, lab.host_public_key)
        nodes = lab.ready["nodes"]
        views = list(await asyncio.gather(*(_look_at(n, *login) for n in nodes)))
        now = lab.lab.now_datetime().astimezone(UTC)
        pub = next(v for v in views if v.product == "cucm" and v.role == "publisher")
        console.rule(f"admin:show network cluster  (on {pub.name})")
        console.print(Text(pub.cluster), soft_wrap=True)
        console.print()
        console.print(_identity_table(views, now))
        console.print(_trust_table(views, now))
        console.rule(f"Regenerating {LIVE_UNIT} on {LIVE_NODE} and restarting {LIVE_SERVICE}")
        live = next(n for n in nodes if n["name"] == LIVE_NODE)
        await _live_regeneration(console, live, *login)
        console.print("Stopping the lab ...")
    console.print(f"[green]Done[/] in {time.monotonic() - started:.1f} s.")


def demo() -> None:
    """Start the demo lab, look at it over SSH like an admin would, stop it."""
    asyncio.run(run_demo(Console()))
