"""One admin CLI session over SSH (asyncssh): pinned host key, password login, ``admin:`` prompt.

Theory of operation: :meth:`AdminCliSession.connect` opens the connection (the host key must
be the one pinned in a :class:`~uccert.transport.pinning.KnownHostsSource`), asks for a
terminal, waits for the banner and the first ``admin:`` prompt (login can take 10-15 s on a
real node, so the login timeout defaults to 60 s) and turns pagination off. Each command is
sent as one line; what arrives is read until :func:`~uccert.protocols.cli_commands.ends_with_prompt`
and cut with :func:`~uccert.protocols.cli_commands.command_output`. Every read has a deadline.

After a timeout or a dropped connection the session is closed (what the node will print next
is unknown); :meth:`ensure_connected` opens a new one. A command is never sent twice: one that
was cut off may or may not have run, and only the caller knows whether to retry. What does
reconnect by itself is a session found closed *before* a command is sent (real nodes close CLI
sessions left idle, and a run can wait minutes for a Tomcat restart): nothing was in flight,
so the session logs in again, then sends the command once.
The password is never logged and never part of an error message or repr.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final

from uccert.config import Timing
from uccert.protocols import ANSI_ESCAPE_RE, PAGER_PROMPT_RES, CliCommandFailed, strip_pager
from uccert.protocols import cli_commands as cli
from uccert.quiet_asyncssh import asyncssh
from uccert.transport.errors import (
    MAX_OUTPUT_BYTES,
    AuthenticationFailed,
    CliTimeout,
    ConnectFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    OutputTooLarge,
    SessionDropped,
)
from uccert.transport.pinning import KnownHostsSource, fingerprint

log = logging.getLogger(__name__)

# The inventory's timing defaults (the shell passes the cluster's own; these serve a bare session).
DEFAULT_LOGIN_TIMEOUT: Final = Timing().connect_timeout
DEFAULT_COMMAND_TIMEOUT: Final = Timing().command_timeout
# a Tomcat restart takes minutes (docs/design/interfaces.md §1)
DEFAULT_SERVICE_TIMEOUT: Final = Timing().restart_timeout
TERM_TYPE: Final = "vt100"
TERM_SIZE: Final = (200, 24)
EXIT_GRACE: Final = 2.0  # seconds a node gets to close the session after `exit`
_QUESTION_RE: Final = re.compile(r"\(yes\|no\)\?", re.IGNORECASE)
_PAGER_OVERLAP: Final = 512  # longer than a pager prompt with its escapes


@dataclass(frozen=True)
class SshTarget:
    """Where and as whom to log in. ``node`` names the node in messages (``uccert pin <node>``)."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    known_hosts: KnownHostsSource
    node: str | None = None

    @property
    def label(self) -> str:
        where = f"{self.host}:{self.port}"
        return f"{self.node} ({where})" if self.node else where


class _Client(asyncssh.SSHClient):
    """Records the key the node presented and notices when the connection goes away."""

    def __init__(self) -> None:
        self.presented: asyncssh.SSHKey | None = None
        self.lost = False

    def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
        self.presented = key  # only called for a key not in the pinned set: refuse it
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True


# AES-GCM first: asyncssh builds a fresh ChaCha20 cipher context several times per packet
# (its default first choice), which profiled as over a quarter of the client's CPU per node
# read; AES-GCM keeps one context per key. Every algorithm of asyncssh's default list stays
# offered, so a node that lacks GCM still negotiates CTR or ChaCha20 as before.
ENCRYPTION_ALGS: Final = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "chacha20-poly1305@openssh.com",
)


class AdminCliSession:
    """An interactive ``admin:`` session on one node; ``async with`` connects and closes."""

    def __init__(
        self,
        target: SshTarget,
        *,
        login_timeout: float = DEFAULT_LOGIN_TIMEOUT,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    ) -> None:
        self.target = target
        self.login_timeout = login_timeout
        self.command_timeout = command_timeout
        self.banner = ""
        self.pager_prompts_answered = 0  # stays 0 while pagination is off, as it should be
        self._conn: Any = None
        self._client: _Client | None = None
        self._process: Any = None
        self._lock = asyncio.Lock()
        self._logged_in_once = False  # a session closed after this reopens before a command
        self.reconnects = 0  # sessions reopened because they were closed while idle

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> AdminCliSession:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return (
            self._process is not None
            and self._client is not None
            and not self._client.lost
            and not self._process.stdout.at_eof()
        )

    async def ensure_connected(self) -> None:
        """Open a new session unless the current one is still up."""
        if not self.connected:
            await self.close()
            await self.connect()

    async def connect(self) -> None:
        """Log in and wait for ``admin:``; then ``set cli pagination off``."""
        async with self._lock:
            await self._login()
        try:
            out = await self.run(cli.SET_PAGINATION_OFF)
        except BaseException:
            await self.close()
            raise
        self._pagination_confirmed(out)

    async def _login(self) -> None:
        """Open the connection and read to the first ``admin:`` (the lock is held)."""
        try:
            async with asyncio.timeout(self.login_timeout):
                await self._open()
                buffer = await self._read_until(lambda b: cli.ends_with_prompt(b), "login")
        except TimeoutError:
            await self._abort()
            raise CliTimeout(
                f"{self.target.label}: no 'admin:' prompt within {self.login_timeout:g} s of "
                "connecting (real nodes take 10-15 s); retry, or raise the login timeout"
            ) from None
        except BaseException:
            await self._abort()
            raise
        self.banner = cli.command_output(buffer, "")
        self._logged_in_once = True

    def _pagination_confirmed(self, out: str) -> None:
        if cli.PAGINATION_OFF_CONFIRMATION.lower() not in out.lower():
            log.warning("%s: pagination off not confirmed: %r", self.target.label, out)

    async def _reopen_idle(self, command: str) -> None:
        """The session was closed while no command was in flight (an idle timeout on the node):
        log in again before sending ``command`` (the lock is held)."""
        log.info(
            "%s: the SSH session was closed while idle; logging in again before `%s`",
            self.target.label,
            command,
        )
        await self._abort()
        await self._login()
        self.reconnects += 1
        ends = cli.ends_with_prompt
        out = self._checked(
            cli.SET_PAGINATION_OFF, await self._exchange(cli.SET_PAGINATION_OFF, None, ends)
        )
        self._pagination_confirmed(out)

    async def close(self) -> None:
        """Close the session (best effort: the node may already be gone). A closed session
        does not reopen by itself: ``connect``/``ensure_connected`` log in again."""
        self._logged_in_once = False
        if self._process is not None:
            try:
                self._process.stdin.write("exit\n")
                # Let the node end the session itself (it echoes and closes the channel):
                # dropping the connection under its echo makes it write to a dead socket.
                await asyncio.wait_for(self._process.wait_closed(), EXIT_GRACE)
            except Exception:  # the channel may already be closed, or the node is slow
                log.debug("%s: no clean exit", self.target.label)
        await self._abort()

    async def _abort(self) -> None:
        conn, self._conn, self._process, self._client = self._conn, None, None, None
        if conn is not None:
            conn.close()
            try:
                async with asyncio.timeout(5):
                    await conn.wait_closed()
            except (TimeoutError, OSError, asyncssh.Error):
                log.debug("%s: connection did not close cleanly", self.target.label)

    async def _open(self) -> None:
        t = self.target
        known = asyncssh.import_known_hosts(t.known_hosts.load())
        client = _Client()
        try:
            conn = await asyncssh.connect(
                t.host,
                t.port,
                username=t.username,
                password=t.password,
                known_hosts=known,
                server_host_key_algs="default",  # a changed key type still reaches the check
                client_factory=lambda: client,
                client_keys=None,
                agent_path=None,
                config=None,
                preferred_auth="password,keyboard-interactive",
                login_timeout=self.login_timeout,
                keepalive_interval=30,
                encryption_algs=ENCRYPTION_ALGS,
            )
        except asyncssh.HostKeyNotVerifiable:
            raise self._host_key_error(client.presented) from None
        except asyncssh.PermissionDenied:
            raise AuthenticationFailed(
                f"{t.label}: the node refused the password for user {t.username!r}; "
                "check the OS admin credentials"
            ) from None
        except (OSError, asyncssh.Error) as exc:
            raise ConnectFailed(
                f"{t.label}: cannot open an SSH session ({_reason(exc)}); "
                "check the address, the port and that SSH is up on the node"
            ) from None
        self._conn, self._client = conn, client
        try:
            self._process = await conn.create_process(
                term_type=TERM_TYPE, term_size=TERM_SIZE, encoding="utf-8", errors="replace"
            )
        except (OSError, asyncssh.Error) as exc:
            raise ConnectFailed(
                f"{t.label}: the node refused an interactive shell ({_reason(exc)})"
            ) from None

    def _host_key_error(self, presented: Any) -> HostKeyUnknown | HostKeyMismatch:
        t = self.target
        pins = tuple(p.fingerprint for p in t.known_hosts.pinned(t.host, t.port))
        shown = fingerprint(presented) if presented is not None else None
        seen = f"the node presented {shown}" if shown else "the node's key was refused"
        repin = f"`uccert pin {t.node or t.host}`"
        if pins:
            return HostKeyMismatch(
                f"{t.label}: SSH host key CHANGED ({seen}, pinned {', '.join(pins)} in "
                f"{t.known_hosts.describe()}); if the node was reinstalled, verify the new "
                f"fingerprint with its administrator and re-pin with {repin}",
                presented=shown,
                pinned=pins,
            )
        return HostKeyUnknown(
            f"{t.label}: no SSH host key pinned in {t.known_hosts.describe()} ({seen}); "
            f"verify the fingerprint, then pin it with {repin}",
            presented=shown,
            pinned=(),
        )

    # -- commands ----------------------------------------------------------------------------

    async def run(self, command: str, timeout: float | None = None) -> str:
        """Run one command; its output without echo and prompt (LF line ends).

        Raises CliCommandFailed when the node printed ``Executed command unsuccessfully``.
        """
        async with self._lock:
            buffer = await self._exchange(command, timeout, lambda b: cli.ends_with_prompt(b))
        return self._checked(command, buffer)

    async def run_confirm(
        self, command: str, answer: str = "yes", timeout: float | None = None
    ) -> str:
        """Run a command that asks ``(yes|no)?``: every such question gets ``answer``."""
        if answer not in ("yes", "no"):
            raise ValueError(f"answer must be 'yes' or 'no', not {answer!r}")
        async with self._lock:
            buffer = await self._exchange(
                command, timeout, lambda b: cli.ends_with_prompt(b), answer=answer
            )
        return self._checked(command, buffer)

    async def run_paste(self, command: str, text: str, timeout: float | None = None) -> str:
        """Run a command that asks to paste (``set cert import own|trust <unit>`` asks
        ``Paste the Certificate and Hit Enter``): once the question shows, send ``text`` line
        by line and a blank line to end it, then read to the prompt as :meth:`run` does."""
        if any(not line.strip() for line in text.strip().splitlines()):
            raise ValueError("pasted text must not contain blank lines (they end the paste)")
        sent = False

        def finished(buffer: str) -> bool:
            nonlocal sent
            if not sent and cli.PASTE_CERT_PROMPT.lower() in strip_pager(buffer).lower():
                self._send(text.strip() + "\n\n")
                sent = True
                return False
            return cli.ends_with_prompt(buffer)  # also a command that failed before asking

        async with self._lock:
            buffer = await self._exchange(command, timeout, finished)
        return self._checked(command, buffer)

    async def run_streaming(
        self,
        command: str,
        on_line: Callable[[str], None],
        timeout: float = DEFAULT_SERVICE_TIMEOUT,
    ) -> str:
        """Run a long command (``utils service restart ...``), calling ``on_line`` per line.

        Each complete, non-blank output line (echo, escapes and pager prompts removed) is
        passed as it arrives; the whole output is returned at the prompt, as :meth:`run` does.
        """
        done = 0
        echo_seen = False

        def feed(buffer: str) -> bool:
            nonlocal done, echo_seen
            end = buffer.rfind("\n") + 1
            if end > done:
                chunk, done = buffer[done:end], end
                for line in chunk.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                    text = strip_pager(line).strip()
                    if not echo_seen and text in (command, cli.ADMIN_PROMPT + command):
                        echo_seen = True
                        continue
                    if text and text != cli.ADMIN_PROMPT:
                        on_line(text)
            return cli.ends_with_prompt(buffer)

        async with self._lock:
            buffer = await self._exchange(command, timeout, feed)
        return self._checked(command, buffer)

    def _checked(self, command: str, buffer: str) -> str:
        out = cli.command_output(buffer, command)
        lines = out.splitlines()
        for i, line in enumerate(lines):
            if cli.FAILURE_RE.match(line):
                reason = next((x.strip() for x in reversed(lines[:i]) if x.strip()), "")
                why = f" ({reason})" if reason else ""
                raise CliCommandFailed(
                    f"{self.target.label}: `{command}` failed: the node printed "
                    f"{line.strip()!r}{why}"
                )
        return out

    async def _exchange(
        self,
        command: str,
        timeout: float | None,
        done: Callable[[str], bool],
        answer: str | None = None,
    ) -> str:
        """Send ``command`` and read until ``done``; yes/no questions get ``answer``."""
        if "\n" in command or "\r" in command:
            raise ValueError(f"a command is one line: {command!r}")
        await asyncio.sleep(0)  # let a close the node already sent be noticed first
        if not self.connected and self._logged_in_once:
            await self._reopen_idle(command)
        if not self.connected:
            raise SessionDropped(
                f"{self.target.label}: no open SSH session for `{command}`; "
                "call ensure_connected() to log in again"
            )
        limit = self.command_timeout if timeout is None else timeout
        answered = 0

        def finished(buffer: str) -> bool:
            nonlocal answered
            if done(buffer):
                return True
            if answer is not None and cli.asks_yes_no(buffer):
                # The question stays in the buffer once answered: answer each one once.
                asked = len(_QUESTION_RE.findall(strip_pager(buffer)))
                if asked > answered:
                    self._send(answer + "\n")
                    answered = asked
            return False

        log.debug("%s: sending %r", self.target.label, command)
        try:
            async with asyncio.timeout(limit):
                self._send(command + "\n")
                return await self._read_until(finished, command)
        except TimeoutError:
            await self._abort()
            self._logged_in_once = False  # the command may be running: no reopening by itself
            raise CliTimeout(
                f"{self.target.label}: no 'admin:' prompt within {limit:g} s after `{command}`; "
                "the session was closed, check the node before running it again"
            ) from None

    def _send(self, text: str) -> None:
        try:
            self._process.stdin.write(text)
        except (OSError, asyncssh.Error) as exc:
            raise self._dropped(text.strip(), exc) from None

    async def _read_until(self, finished: Callable[[str], bool], what: str) -> str:
        """Read until ``finished(buffer)``; answers a pager prompt with a space if one shows.

        Linear in what arrives: new pager prompts are looked for only in the new text (plus a
        prompt's length before it), and the output is capped at ``MAX_OUTPUT_BYTES``."""
        buffer = ""
        scanned = 0
        while not finished(buffer):
            try:
                data = await self._process.stdout.read(65536)
            except (OSError, asyncssh.Error) as exc:
                raise self._dropped(what, exc) from None
            if not data:
                raise self._dropped(what, None)
            buffer += data
            if len(buffer) > MAX_OUTPUT_BYTES:
                await self._abort()
                raise OutputTooLarge(
                    f"{self.target.label}: more than {MAX_OUTPUT_BYTES // 2**20} MiB of output"
                    f" for `{what}`; the session was closed: look at the node"
                )
            start = max(0, scanned - _PAGER_OVERLAP)
            seen = len(ANSI_ESCAPE_RE.sub("", buffer[start:scanned]))
            shown = ANSI_ESCAPE_RE.sub("", buffer[start:])
            scanned = len(buffer)
            for p in PAGER_PROMPT_RES:
                for m in p.finditer(shown):
                    if m.end() > seen:  # ends in the new text: not answered yet
                        self.pager_prompts_answered += 1
                        self._send(" ")
        return buffer

    def _dropped(self, what: str, exc: BaseException | None) -> SessionDropped:
        self._client = None  # marks the session unusable; ensure_connected() reconnects
        self._logged_in_once = False  # cut off mid-command: the caller looks, then reconnects
        why = f" ({_reason(exc)})" if exc is not None else ""
        return SessionDropped(
            f"{self.target.label}: the SSH session dropped during `{what}`{why}; "
            "it may or may not have run: check, then reconnect with ensure_connected()"
        )


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "connection closed"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
