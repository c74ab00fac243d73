"""Where runs are kept (the DBOS system database) and who may execute them (a lock file).

DBOS recovers the pending workflows of its executor when it launches, so two uccert processes
launching on one database would both execute an interrupted run. Only the process holding the
lock beside the database launches DBOS; read-only commands use ``DBOSClient`` and never launch.
The lock is an ``flock``: the OS drops it when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Final
from urllib.parse import urlsplit

from uccert.errors import ConfigError

DATABASE_FILE: Final = "runs.sqlite"
LOCK_FILE: Final = "runs.lock"
URL_ENV: Final = "UCCERT_DATABASE_URL"
PRIVATE: Final = 0o600  # the run database and its lock: owner only


class RunBusy(ConfigError):
    """Another uccert process is executing runs on this database."""


def state_dir() -> Path:
    """``$UCCERT_STATE_DIR``, else ``$XDG_STATE_HOME/uccert``, else ``~/.local/state/uccert``."""
    explicit = os.environ.get("UCCERT_STATE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "uccert"


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(
            f"database URL scheme {parts.scheme!r} is not supported: "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    if parts.password:
        raise ConfigError(
            "the database URL holds a password, which would show in the process list: "
            f"pass the URL in ${URL_ENV} instead, or use a .pgpass file"
        )
    return url


def _tighten(path: Path) -> None:
    """0600 for a file an earlier uccert created with the umask's mode (often 0644)."""
    if path.stat().st_mode & 0o077:
        path.chmod(PRIVATE)


@dataclass(frozen=True)
class RunDatabase:
    """The run database's URL and the lock that guards executing its runs."""

    url: str
    lock_path: Path

    @classmethod
    def locate(cls, database_url: str | None = None, directory: Path | None = None) -> RunDatabase:
        """``--database-url``, else ``$UCCERT_DATABASE_URL`` (may hold a password), else a
        SQLite file in the state directory."""
        where = directory or state_dir()
        if database_url:
            return cls(_check_url(database_url), where / LOCK_FILE)
        from_env = os.environ.get(URL_ENV)
        if from_env:
            return cls(from_env, where / LOCK_FILE)
        return cls(f"sqlite:///{(where / DATABASE_FILE).resolve()}", where / LOCK_FILE)

    def prepare(self) -> None:
        """The state directory, and a SQLite database file created 0600 before DBOS opens it
        (the plans in it name every node and cert: for the admin's eyes only, even in a state
        directory that already existed with looser permissions)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
            _tighten(path)

    @property
    def postgres(self) -> bool:
        """Runs guarded in the database itself (``lease``), not by the lock file."""
        return urlsplit(self.url).scheme.split("+")[0] in ("postgresql", "postgres")

    @property
    def exists(self) -> bool:
        """False for a SQLite file never created, or a PostgreSQL database no uccert executed
        in yet (DBOS creates its tables when it first launches): nothing to list."""
        if self.postgres:
            from uccert.run.lease import schema_ready

            return schema_ready(self.url)
        if not self.url.startswith("sqlite:///"):
            return True
        path = Path(self.url.removeprefix("sqlite:///"))
        return path.exists() and path.stat().st_size > 0  # prepare() leaves it empty

    def busy(self) -> bool:
        """True while another process holds the executor lock."""
        try:
            with ExecutorLock(self):
                return False
        except RunBusy:
            return True


class ExecutorLock:
    """Held by the one process that may launch DBOS on the database."""

    def __init__(self, database: RunDatabase) -> None:
        self.database = database
        self._file: IO[str] | None = None

    def __enter__(self) -> ExecutorLock:
        self.database.prepare()
        fd = os.open(self.database.lock_path, os.O_CREAT | os.O_RDWR | os.O_APPEND, PRIVATE)
        handle = os.fdopen(fd, "a+")
        _tighten(self.database.lock_path)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunBusy(
                f"runs are being executed by {holder} (lock {self.database.lock_path}): "
                "wait for it to finish, or see `uccert runs list`"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"uccert pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
