"""A throwaway PostgreSQL server for tests and benches: initdb in a temporary directory,
listening on 127.0.0.1 on a free port, stopped and removed at the end.

PostgreSQL refuses to run as root, and CI runs as root: then initdb and pg_ctl run as an
unprivileged user (``nobody``) through ``runuser``, in a directory that user owns. The binaries
come from PATH or from Debian's /usr/lib/postgresql/VERSION/bin (Debian's ``postgresql`` package
does not put initdb on PATH; `.ci/run` installs the package when initdb is missing).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

UNPRIVILEGED = "nobody"


class NoPostgres(RuntimeError):
    """initdb or pg_ctl is not installed."""


def binaries() -> Path:
    """The directory holding initdb and pg_ctl (PATH first, then the newest Debian version)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    raise NoPostgres(
        "PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin):"
        " install Debian's `postgresql` package (`.ci/run` does)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    """One running cluster; ``url(db)`` names a database on it (user ``postgres``, trust)."""

    port: int
    directory: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def dump(self, database: str) -> str:
        """Everything stored in a database, as pg_dump writes it (to grep for secrets)."""
        tool = binaries() / "pg_dump"
        return subprocess.run(
            [str(tool), "--data-only", self.url(database)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def _as_owner(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", UNPRIVILEGED, "--", *argv]


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a fresh cluster; stop it and delete its directory on exit."""
    bin_dir = binaries()
    # Not under pytest's tmp_path: that is 0700 root's, which nobody cannot enter.
    directory = Path(tempfile.mkdtemp(prefix="uccert-pg-"))
    data, sockets = directory / "data", directory / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED)
        for path in (directory, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    port = _free_port()
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
            cwd=directory,
        )
        options = f"-h 127.0.0.1 -p {port} -k {sockets} -F -c max_connections=300"
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(directory / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            cwd=directory,
        )
        yield PostgresServer(port, directory)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                cwd=directory,
            )
        shutil.rmtree(directory, ignore_errors=True)
