"""`uccert demo`: start the demo lab in-process and look at it over SSH like an admin would.

The client side here is deliberately plain asyncssh (no uccert parsers): it waits for the
``admin:`` prompt, sends commands, and shows the raw output.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

import asyncssh
from rich.console import Console
from rich.table import Table
from rich.text import Text

PROMPT = "admin:"
DEMO_TIME_SCALE = 0.01
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class AdminSession:
    """A minimal expect-style admin CLI client over asyncssh."""

    def __init__(self, process: Any) -> None:
        self._process = process
        self._buffer = ""

    async def read_until_prompt(self, timeout: float = 30.0) -> str:
        async def _read() -> str:
            while PROMPT not in self._buffer:
                data = await self._process.stdout.read(4096)
                if not data:
                    raise ConnectionError("the node closed the session")
                self._buffer += data
            text, _, self._buffer = self._buffer.partition(PROMPT)
            return text

        return await asyncio.wait_for(_read(), timeout)

    async def run(self, command: str) -> list[str]:
        """Send a command; return its output lines (the echoed command removed)."""
        self._process.stdin.write(command + "\n")
        text = _ANSI.sub("", await self.read_until_prompt())
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[0].strip() == command:
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines.pop()
        return lines


@dataclass
class NodeView:
    name: str
    product: str
    role: str
    version: str
    own: list[str]
    trust_count: int
    cluster: list[str]


async def _look_at(node: dict[str, Any], username: str, password: str, host_key: str) -> NodeView:
    known = asyncssh.import_known_hosts(f"[127.0.0.1]:{node['ports']['ssh']} {host_key}\n")
    async with asyncssh.connect(
        "127.0.0.1",
        node["ports"]["ssh"],
        username=username,
        password=password,
        known_hosts=known,
        client_keys=None,
        agent_path=None,
    ) as conn:
        process = await conn.create_process(term_type="vt100", term_size=(200, 24))
        session = AdminSession(process)
        await session.read_until_prompt()
        await session.run("set cli pagination off")
        version = await session.run("show version active")
        own = await session.run("show cert list own")
        trust = await session.run("show cert list trust")
        cluster = await session.run("show network cluster")
        process.stdin.write("exit\n")
        process.close()
    active = next((v for v in version if v.startswith("Active Master Version:")), "?")
    return NodeView(
        name=node["name"],
        product=node["product"],
        role=node["role"],
        version=active.split(":", 1)[-1].strip(),
        own=[line for line in own if line.strip()],
        trust_count=sum(1 for line in trust if line.strip()),
        cluster=cluster,
    )


async def run_demo(console: Console) -> None:
    from uccert.lab.servers.runtime import running_lab

    started = time.monotonic()
    console.print("[bold]Starting the demo lab[/] (6 nodes, in-process, on 127.0.0.1) ...")
    async with running_lab(preset_name="demo", time_scale=DEMO_TIME_SCALE) as lab:
        took = time.monotonic() - started
        console.print(f"Lab up in {took:.1f} s; logging in to every node over SSH ...")
        os_admin = lab.credentials.os_admin
        views = await asyncio.gather(
            *(
                _look_at(n, os_admin.username, os_admin.password, lab.host_public_key)
                for n in lab.ready["nodes"]
            )
        )
        pub = next(v for v in views if v.product == "cucm" and v.role == "publisher")
        console.rule(f"admin:show network cluster  (on {pub.name})")
        console.print(Text("\n".join(pub.cluster)), soft_wrap=True)
        for v in views:
            table = Table(
                title=f"{v.name}: {v.product} {v.role}, {v.version}, {v.trust_count} trust certs",
                title_justify="left",
                show_edge=False,
            )
            table.add_column("admin:show cert list own", no_wrap=True)
            table.add_column("description")
            for line in v.own:
                file, _, description = line.partition(": ")
                table.add_row(file, description)
            console.print(table)
            console.print()
        console.print("Stopping the lab ...")
    console.print(f"[green]Done[/] in {time.monotonic() - started:.1f} s.")


def demo() -> None:
    """Start the demo lab, look at it over SSH like an admin would, stop it."""
    asyncio.run(run_demo(Console()))
