"""The lab's SSH listeners: one per node on 127.0.0.1, an ephemeral port each.

Password authentication with the lab's OS admin account; a shell session prints the login
banner, then serves the admin CLI (``admin_cli``) at the ``admin:`` prompt. An exec request
(``ssh node 'show version active'``) runs that one command without banner or prompt.

Faults taken here: ``node-unreachable`` (the connection is closed before the SSH handshake) and
``slow-login`` (the banner waits N simulated seconds) and ``login-refused`` (the password is
refused). ``command-fails`` and
``drop-after-command`` are taken per command by ``admin_cli``. A node's ``latency.login``
(``latency.Latency``; real seconds, 0 by default) passes before the banner or an exec's output.

Each accepted password login counts in ``logins`` (node name -> count): instrumentation for
tests that bound how often a command logs in (a real login takes 10 to 15 s), not a behaviour
of a real node.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from uccert.quiet_asyncssh import asyncssh

from . import cli_templates as t
from .admin_cli import AdminShell, Drop, NodeContext
from .terminal import Terminal


@dataclass(frozen=True)
class Account:
    username: str
    password: str

    def accepts(self, username: str, password: str) -> bool:
        return secrets.compare_digest(
            username.encode(), self.username.encode()
        ) & secrets.compare_digest(password.encode(), self.password.encode())


def new_host_key() -> asyncssh.SSHKey:
    """One EC host key per lab run: generated in memory, never written anywhere."""
    return asyncssh.generate_private_key("ecdsa-sha2-nistp256")


class _NodeServer(asyncssh.SSHServer):
    def __init__(
        self, ctx: NodeContext, account: Account, open_conns: set[Any], logins: Counter[str]
    ) -> None:
        self._ctx = ctx
        self._account = account
        self._open = open_conns
        self._logins = logins
        self._conn: Any = None

    def connection_made(self, conn: Any) -> None:
        self._conn = conn
        self._open.add(conn)
        lab = self._ctx.lab
        self._ctx.clock.sync()
        if lab.take_fault("node-unreachable", self._ctx.node) is not None:
            asyncio.get_running_loop().call_soon(conn.abort)

    def connection_lost(self, exc: Exception | None) -> None:
        self._open.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self._ctx.lab.take_fault("login-refused", self._ctx.node) is not None:
            return False
        accepted = self._account.accepts(username, password)
        if accepted:
            self._logins[self._ctx.node] += 1
        return accepted


async def _session(ctx: NodeContext, process: Any) -> None:
    term = Terminal(process, echo=process.get_terminal_type() is not None)
    shell = AdminShell(ctx, term)
    try:
        if ctx.latency.login > 0:
            await asyncio.sleep(ctx.latency.login)
        if process.command:
            try:
                shell.paging = False
                await shell.run_command(process.command)
            except Drop:
                process.channel.get_connection().abort()
                return
            process.exit(0)
            return
        fault = ctx.lab.take_fault("slow-login", ctx.node)
        if fault is not None and fault.seconds > 0:
            term.write(t.login_banner()[0] + "\r\n")
            await ctx.clock.sleep(fault.seconds)
            term.write_lines(t.login_banner()[1:])
        else:
            term.write_lines(t.login_banner())
        while not term.closed:
            term.write(t.PROMPT)
            try:
                async with asyncio.timeout(ctx.idle_timeout or None):
                    line = await term.read_line()
            except TimeoutError:  # idle too long at the prompt: the node closes the session
                process.channel.get_connection().close()
                return
            if line is None:
                break
            try:
                await shell.run_command(line)
            except Drop as drop:
                if drop.abort:
                    process.channel.get_connection().abort()
                    return
                break
        process.exit(0)
    except (asyncssh.Error, ConnectionError, BrokenPipeError):
        return


async def start_node_server(
    ctx: NodeContext,
    account: Account,
    host_key: asyncssh.SSHKey,
    open_conns: set[Any],
    host: str = "127.0.0.1",
    logins: Counter[str] | None = None,
) -> tuple[Any, int]:
    """Start one node's listener; returns (the acceptor, its port).

    Open connections are kept in `open_conns` so the runtime can close them when the lab stops
    (closing the acceptor only stops new ones); each accepted password login counts one in
    ``logins[node]`` (what a test checks: how often a command logs in to each node).
    """

    async def handle(process: Any) -> None:
        await _session(ctx, process)

    counted: Counter[str] = Counter() if logins is None else logins

    acceptor = await asyncssh.create_server(
        lambda: _NodeServer(ctx, account, open_conns, counted),
        host,
        0,
        server_host_keys=[host_key],
        process_factory=handle,
        line_editor=False,
        encoding="utf-8",
        keepalive_interval=0,
    )
    port = int(acceptor.sockets[0].getsockname()[1])
    return acceptor, port
