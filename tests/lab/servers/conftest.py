"""Fixtures: a running lab on 127.0.0.1 and a paramiko interactive-shell client for it."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import paramiko
import pytest

from uccert.lab.servers.runtime import RunningLab, running_lab

PROMPT = "admin:"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Admin:
    """What a public expect script does: invoke_shell, read until `admin:`, send a line."""

    def __init__(self, lab: RunningLab, node: str, password: str | None = None) -> None:
        port = lab.ports[node]
        self.client = paramiko.SSHClient()
        kind, b64 = lab.host_public_key.split()[:2]
        key = paramiko.ECDSAKey(data=base64.b64decode(b64))
        self.client.get_host_keys().add(f"[127.0.0.1]:{port}", kind, key)
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        account = lab.credentials.os_admin
        self.client.connect(
            "127.0.0.1",
            port,
            username=account.username,
            password=account.password if password is None else password,
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
            banner_timeout=10,
            auth_timeout=10,
        )
        self.chan = self.client.invoke_shell(width=200, height=24)
        self.chan.settimeout(15)
        self.buffer = ""
        self.banner = self.read_until(PROMPT)

    def read_until(self, marker: str) -> str:
        deadline = time.monotonic() + 15
        while marker not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {marker!r} in {self.buffer!r}")
            data = self.chan.recv(65536)
            if not data:
                raise EOFError(f"closed before {marker!r}; got {self.buffer!r}")
            self.buffer += data.decode()
        text, _, self.buffer = self.buffer.partition(marker)
        return text

    def send(self, text: str) -> None:
        self.chan.send(text.encode())

    def cmd(self, line: str) -> str:
        """Run a command; the raw output (CRLF, echo included) up to the next prompt."""
        self.send(line + "\n")
        return self.read_until(PROMPT)

    def lines(self, line: str) -> list[str]:
        """Output lines without the echoed command and trailing blanks."""
        raw = self.cmd(line)
        out = ANSI.sub("", raw).split("\r\n")
        assert out[0] == line, out
        out = out[1:]
        while out and not out[-1]:
            out.pop()
        return out

    def read_all(self) -> str:
        """Everything until the server closes the channel."""
        chunks = [self.buffer]
        self.buffer = ""
        while True:
            try:
                data = self.chan.recv(65536)
            except (TimeoutError, OSError):
                break
            if not data:
                break
            chunks.append(data.decode())
        return "".join(chunks)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[RunningLab]:
    async with running_lab(preset_name="minimal", time_scale=0, state_dir=tmp_path) as running:
        yield running


Connect = Callable[..., Awaitable[Admin]]


@pytest.fixture
def connect() -> Connect:
    """`await connect(lab, node="imp-pub", password=None)`: a logged-in paramiko shell."""

    async def _connect(
        lab: RunningLab, node: str = "imp-pub", password: str | None = None
    ) -> Admin:
        return await asyncio.to_thread(Admin, lab, node, password)

    return _connect
