"""SSH host key pinning: a ``known_hosts`` file under the state directory (OpenSSH format).

A node's key is pinned per ``host``/``port`` (``host`` on port 22, ``[host]:port`` otherwise).
:class:`KnownHostsStore` adds or replaces those entries (``uccert pin``); a session reads
them through a :class:`KnownHostsSource` (that file, or known_hosts text held in memory) each
time it connects, so a re-pin takes effect on the next connection. Fingerprints are shown as
``SHA256:<base64>``, as OpenSSH prints them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from uccert.errors import ConfigError
from uccert.quiet_asyncssh import asyncssh
from uccert.transport.errors import ConnectFailed, HostKeyError

KNOWN_HOSTS_FILE: Final = "known_hosts"


def host_pattern(host: str, port: int) -> str:
    """The known_hosts pattern for a host and port: ``host`` or ``[host]:port``."""
    if not host or any(c.isspace() or c in ",#[]" for c in host):
        raise ConfigError(f"{host!r} is not a host name or address that can be pinned")
    return host if port == 22 else f"[{host}]:{port}"


def parse_public_key(text: str) -> asyncssh.SSHKey:
    """An OpenSSH public key line (``<type> <base64> [comment]``); ConfigError if it is not."""
    try:
        return asyncssh.import_public_key(text.strip())
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ConfigError(
            f"not an OpenSSH public key ({exc}): give the node's host key as '<type> <base64>'"
        ) from exc


def fingerprint(key: asyncssh.SSHKey | str) -> str:
    """``SHA256:<base64>`` of a public key (an SSHKey or its OpenSSH text)."""
    parsed = parse_public_key(key) if isinstance(key, str) else key
    return str(parsed.get_fingerprint("sha256"))


def _openssh_text(key: asyncssh.SSHKey) -> str:
    """``<type> <base64>``, without a comment."""
    fields = key.export_public_key("openssh").decode().split()
    return f"{fields[0]} {fields[1]}"


async def fetch_host_key(host: str, port: int, timeout: float) -> str:
    """The host key the SSH server at ``host:port`` presents, in OpenSSH format: key exchange
    only, no login, so nothing is sent that a pin should have protected (``uccert pin``). The
    same key choice as a session's; ``~/.ssh/config`` not read. ConnectFailed when the server
    cannot be asked; OSError and TimeoutError as they come."""
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(host, port, server_host_key_algs="default", config=None),
            timeout,
        )
    except asyncssh.Error as exc:
        raise ConnectFailed(
            f"{type(exc).__name__}: {exc or 'no detail'}: check the address, port and the node"
        ) from exc
    if key is None:
        raise ConnectFailed("the node presented no host key")
    return _openssh_text(key)


@dataclass(frozen=True)
class PinnedKey:
    """One pinned key: the pattern it is pinned for, the key (``<type> <base64>``), its hash."""

    pattern: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class KnownHostsSource:
    """Where a session reads its pins: a known_hosts file, or known_hosts text in memory."""

    path: Path | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.text is None):
            raise ValueError("give exactly one of path= or text=")

    @classmethod
    def from_file(cls, path: Path) -> KnownHostsSource:
        return cls(path=path)

    @classmethod
    def from_text(cls, text: str) -> KnownHostsSource:
        return cls(text=text)

    def load(self) -> str:
        """The known_hosts text now (a missing file pins nothing)."""
        if self.text is not None:
            return self.text
        assert self.path is not None
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise ConfigError(f"cannot read known_hosts file {self.path}: {exc}") from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise HostKeyError(
                f"known_hosts file {self.path}:{line} is not UTF-8 text: delete that line"
                " (or the file) and pin the node again with `uccert pin`",
                presented=None,
                pinned=(),
            ) from None

    def describe(self) -> str:
        return str(self.path) if self.path is not None else "the given known_hosts text"

    def pinned(self, host: str, port: int) -> tuple[PinnedKey, ...]:
        return _lookup(self.load(), host_pattern(host, port))


def _entries(text: str) -> list[tuple[list[str], str] | str]:
    """Each line: (patterns, key text) for a plain entry, the raw line for anything else."""
    out: list[tuple[list[str], str] | str] = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or line.lstrip().startswith(("#", "@", "|")):
            out.append(line)
            continue
        out.append((fields[0].split(","), f"{fields[1]} {fields[2]}"))
    return out


def _lookup(text: str, pattern: str) -> tuple[PinnedKey, ...]:
    found = []
    for entry in _entries(text):
        if isinstance(entry, tuple) and pattern in entry[0]:
            try:
                found.append(PinnedKey(pattern, entry[1], fingerprint(entry[1])))
            except ConfigError:
                continue  # an unreadable key pins nothing
    return tuple(found)


class KnownHostsStore:
    """The state directory's ``known_hosts`` file: read, pin (add or replace), unpin."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / KNOWN_HOSTS_FILE

    def source(self) -> KnownHostsSource:
        return KnownHostsSource.from_file(self.path)

    def pinned(self, host: str, port: int) -> tuple[PinnedKey, ...]:
        return self.source().pinned(host, port)

    def pin(self, host: str, port: int, public_key: str) -> PinnedKey:
        """Pin ``public_key`` for ``host``/``port``, replacing whatever was pinned for it."""
        pattern = host_pattern(host, port)
        key = parse_public_key(public_key)
        text = _openssh_text(key)
        lines = self._without(pattern)
        lines.append(f"{pattern} {text}")
        self._write(lines)
        return PinnedKey(pattern, text, fingerprint(key))

    def unpin(self, host: str, port: int) -> bool:
        """Forget the keys pinned for ``host``/``port``; True if there were any."""
        pattern = host_pattern(host, port)
        if not self.pinned(host, port):
            return False
        self._write(self._without(pattern))
        return True

    def _without(self, pattern: str) -> list[str]:
        lines: list[str] = []
        for entry in _entries(self.source().load()):
            if isinstance(entry, str):
                lines.append(entry)
                continue
            patterns, key = entry
            rest = [p for p in patterns if p != pattern]
            if rest:
                lines.append(f"{','.join(rest)} {key}")
        return lines

    def _write(self, lines: list[str]) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{KNOWN_HOSTS_FILE}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, "".join(line + "\n" for line in lines).encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
