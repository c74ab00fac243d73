"""A raw terminal over an SSH channel: line input with echo and backspace, keys, CRLF output.

The lab does its own line editing (asyncssh's line editor is off) because the admin CLI also
reads single keys (the pager) and answers prompts on the line they were asked on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from . import cli_templates as t


class _Channel(Protocol):
    """The part of an ``asyncssh.SSHServerProcess`` a terminal uses."""

    @property
    def stdin(self) -> Any: ...

    @property
    def stdout(self) -> Any: ...


class Terminal:
    def __init__(self, process: _Channel, echo: bool) -> None:
        self._process = process
        self.echo = echo
        self._pending = ""
        self._after_cr = False
        self.muted = False  # drop-after-command: results are lost with the connection
        self.closed = False

    # -- output ------------------------------------------------------------------------------

    def write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self._process.stdout.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))
        except (OSError, BrokenPipeError, ConnectionError):  # the peer went away
            self.closed = True

    def write_lines(self, lines: Iterable[str]) -> None:
        if not self.muted:
            self.write("".join(line + "\r\n" for line in lines))

    # -- input -------------------------------------------------------------------------------

    async def read_char(self) -> str | None:
        """One character; CR LF counts as one Enter (returned as "\\r"); None at end of input."""
        while True:
            if not self._pending:
                try:
                    data = await self._process.stdin.read(4096)
                except Exception:  # asyncssh raises on a broken channel; treat as EOF
                    data = ""
                if not data:
                    return None
                self._pending = data if isinstance(data, str) else data.decode("utf-8", "replace")
            c, self._pending = self._pending[0], self._pending[1:]
            if c == "\n" and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = c == "\r"
            return "\r" if c == "\n" else c

    async def read_line(self) -> str | None:
        """A line as typed (echoed when a PTY was asked for); None when input ended."""
        buf: list[str] = []
        while True:
            c = await self.read_char()
            if c is None:
                return "".join(buf) if buf else None
            if c == "\r":
                self._echo("\r\n")
                return "".join(buf)
            if c in ("\x7f", "\x08"):
                if buf:
                    buf.pop()
                    self._echo("\b \b")
            elif c == "\x03":  # Ctrl+C abandons the line
                self._echo("^C\r\n")
                return ""
            elif c == "\x04":  # Ctrl+D on an empty line ends the session
                if not buf:
                    return None
            elif c == "\x15":  # Ctrl+U erases the line
                self._echo("\b \b" * len(buf))
                buf.clear()
            elif c == "\x1b":  # drop escape sequences (arrow keys)
                await self._skip_escape()
            elif c >= " ":
                buf.append(c)
                self._echo(c)

    async def ask(self, question: str) -> str | None:
        """Print `question` (no line end) and read the answer on the same line."""
        self.write(question)
        return await self.read_line()

    async def page(self, lines: list[str], paging: bool) -> None:
        """Print `lines`; when paging is on, pause every screenful at the pager prompt."""
        if not paging or len(lines) <= t.PAGE_LINES or self.muted:
            self.write_lines(lines)
            return
        shown = 0
        budget = t.PAGE_LINES
        while shown < len(lines):
            chunk = lines[shown : shown + budget]
            self.write_lines(chunk)
            shown += len(chunk)
            if shown >= len(lines):
                return
            self.write(t.PAGER_PROMPT)
            while True:
                key = await self.read_char()
                if key is None or key in ("q", "Q", "\x03"):
                    self.write(t.PAGER_ERASE)
                    return
                if key == "\r":
                    budget = 1
                    break
                if key == " ":
                    budget = t.PAGE_LINES
                    break
            self.write(t.PAGER_ERASE)

    def _echo(self, text: str) -> None:
        if self.echo:
            self.write(text)

    async def _skip_escape(self) -> None:
        c = await self.read_char()
        if c != "[":
            return
        while True:
            c = await self.read_char()
            if c is None or c.isalpha() or c == "~":
                return
