"""Who executes what, when the run database is PostgreSQL: advisory locks in the database.

A flock beside a SQLite file guards one machine; workers on several machines share one
PostgreSQL, so the guard lives there. Each uccert process that launches DBOS has its own
executor id (host, pid and a random tail) and holds, for its whole life, a session-level
advisory lock named after it: PostgreSQL drops a session's locks when its connection ends, so
an executor whose lock is free is dead (even after SIGKILL) and its pending runs may be adopted.
While a process executes a run it also holds that run's lock, so no second process executes
it, and everyone can see who holds it (the lock's session carries the executor id as its
``application_name``). See https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import psycopg

from uccert.run.database import RunBusy

if TYPE_CHECKING:
    from uccert.cluster import ClusterOps

APPLICATION_PREFIX: Final = "uccert "
RUN_PREFIX: Final = "run:"
EXECUTOR_PREFIX: Final = "executor:"
NAME_LIMIT: Final = 63  # PostgreSQL truncates application_name beyond this
GUARD_POLL: Final = 1.0  # seconds between tries while another process holds a run


class LeaseBusy(RunBusy):
    """Another live process holds the lock (a run it executes, or its executor id)."""


def new_executor_id() -> str:
    """``host-pid-random``: distinct per process, and says where to look for it."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock(bigint)``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _connect(url: str, holder: str) -> psycopg.Connection[tuple[object, ...]]:
    name = (APPLICATION_PREFIX + holder)[:NAME_LIMIT]
    return psycopg.connect(url, autocommit=True, application_name=name)


@dataclass
class AdvisoryLock:
    """One session-level advisory lock on its own connection (released when closed)."""

    url: str
    name: str
    holder: str
    _conn: psycopg.Connection[tuple[object, ...]] | None = field(default=None, repr=False)

    def try_acquire(self) -> bool:
        conn = _connect(self.url, self.holder)
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(self.name),)).fetchone()
        if row is None or not row[0]:
            conn.close()
            return False
        self._conn = conn
        return True

    def acquire(self, what: str) -> None:
        """Take it or raise ``LeaseBusy`` naming the holder."""
        if not self.try_acquire():
            who = holder_of(self.url, self.name) or "another process"
            raise LeaseBusy(
                f"{what} is held by {who}: wait for it to finish, or see `uccert runs list`"
            )

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def holders(url: str) -> dict[int, str]:
    """Every advisory lock held in this database: key -> the holding executor id."""
    query = (
        "SELECT l.classid::bigint, l.objid::bigint, a.application_name"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(query).fetchall()
    found: dict[int, str] = {}
    for classid, objid, application in rows:
        unsigned = (int(classid) << 32) | int(objid)
        key = unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned
        found[key] = str(application or "").removeprefix(APPLICATION_PREFIX) or "unknown"
    return found


def holder_of(url: str, name: str) -> str | None:
    return holders(url).get(lock_key(name))


def run_holders(url: str, run_ids: list[str]) -> dict[str, str]:
    """run id -> the executor holding it, for the runs being executed now."""
    held = holders(url)
    return {r: held[lock_key(RUN_PREFIX + r)] for r in run_ids if lock_key(RUN_PREFIX + r) in held}


def executor_alive(url: str, executor_id: str) -> bool:
    return lock_key(EXECUTOR_PREFIX + executor_id) in holders(url)


class ExecutorLeases:
    """This process's locks on PostgreSQL: its executor id for its whole life, and the lease
    of each run it executes (counted, so the CLI and the workflow may both hold one)."""

    def __init__(self, url: str, executor_id: str) -> None:
        self.url = url
        self.executor_id = executor_id
        self._alive = AdvisoryLock(url, EXECUTOR_PREFIX + executor_id, executor_id)
        self._runs: dict[str, tuple[AdvisoryLock, int]] = {}
        self._mutex = threading.Lock()  # the CLI's thread and DBOS's workflow threads

    def start(self) -> None:
        self._alive.acquire(f"executor id {self.executor_id}")

    def stop(self) -> None:
        with self._mutex:
            for lock, _ in self._runs.values():
                lock.release()
            self._runs.clear()
        self._alive.release()

    def try_hold(self, run_id: str) -> bool:
        with self._mutex:
            held = self._runs.get(run_id)
            if held is not None:
                self._runs[run_id] = (held[0], held[1] + 1)
                return True
            lock = AdvisoryLock(self.url, RUN_PREFIX + run_id, self.executor_id)
            if not lock.try_acquire():
                return False
            self._runs[run_id] = (lock, 1)
            return True

    def hold(self, run_id: str) -> None:
        """Take the run's lease or raise ``LeaseBusy`` naming the executor that has it."""
        if not self.try_hold(run_id):
            who = holder_of(self.url, RUN_PREFIX + run_id) or "another process"
            raise LeaseBusy(
                f"run {run_id} is being executed by {who}: wait for it to finish"
                " (`uccert runs list` shows who holds each run)"
            )

    def let_go(self, run_id: str) -> None:
        with self._mutex:
            held = self._runs.pop(run_id, None)
            if held is None:
                return
            lock, count = held
            if count > 1:
                self._runs[run_id] = (lock, count - 1)
            else:
                lock.release()

    @asynccontextmanager
    async def guard(self, run_id: str, ops: ClusterOps) -> AsyncIterator[ClusterOps]:
        """Around a run's execution (in the workflow): wait while another live process holds
        the run, so two processes never execute it at once."""
        while not await asyncio.to_thread(self.try_hold, run_id):
            await asyncio.sleep(GUARD_POLL)
        try:
            async with ops:
                yield ops
        finally:
            self.let_go(run_id)


MIGRATE_LOCK: Final = "uccert:migrate"
MIGRATE_POLL: Final = 0.1


def _take(conn: psycopg.Connection[tuple[object, ...]], function: str) -> None:
    """Poll ``pg_try_advisory_lock[_shared]``: a session blocked in ``pg_advisory_lock`` would
    hold back DBOS's ``CREATE INDEX CONCURRENTLY`` (it waits for every running statement) while
    that migration's own process holds the lock: a deadlock PostgreSQL does not see."""
    while True:
        row = conn.execute(f"SELECT {function}(%s)", (lock_key(MIGRATE_LOCK),)).fetchone()
        if row is not None and row[0]:
            return
        time.sleep(MIGRATE_POLL)


def migrate(url: str) -> None:
    """DBOS's tables, created or upgraded (``DBOS.migrate``, what `dbos migrate` runs) under a
    lock readers share (``schema_ready``), so no reader sees half of them."""
    from dbos import DBOS

    with _connect(url, "migrating") as conn:
        _take(conn, "pg_try_advisory_lock")
        try:
            DBOS.migrate(url)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(MIGRATE_LOCK),))


def schema_ready(url: str) -> bool:
    """Whether DBOS's tables exist (waits while a process is creating them)."""
    with psycopg.connect(url, autocommit=True) as conn:
        _take(conn, "pg_try_advisory_lock_shared")
        row = conn.execute("SELECT to_regclass('dbos.workflow_status')").fetchone()
        conn.execute("SELECT pg_advisory_unlock_shared(%s)", (lock_key(MIGRATE_LOCK),))
    return row is not None and row[0] is not None
