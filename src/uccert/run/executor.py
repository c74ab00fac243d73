"""Starting, resuming, listing and cancelling runs.

A run is one or more attempts, each a DBOS workflow: the first has the run's id, later ones
``<id>~2``, ``<id>~3`` ... An interrupted attempt (the process died) is continued by DBOS's
own recovery when the executor launches; a failed attempt (its safety steps done) is continued
by a new attempt that re-observes every step, so nothing done is done twice.

``Executor`` is the only thing that launches DBOS, and only while holding the database's lock;
``RunBook`` reads runs through ``DBOSClient`` without launching.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from dbos import DBOS, DBOSClient, DBOSConfig, SetWorkflowID

from uccert.errors import ConfigError, UccertError
from uccert.model import Plan, plan_from_json
from uccert.run.database import ExecutorLock, RunDatabase
from uccert.run.lease import ExecutorLeases, migrate, new_executor_id, run_holders
from uccert.run.records import (
    UNFINISHED,
    RunOutcome,
    RunStatus,
    RunSummary,
    StepRecord,
)
from uccert.run.workflow import (
    STEP_NAME,
    WORKFLOW_NAME,
    RunEnvironment,
    install,
    run_input,
    run_workflow,
)

APP_NAME: Final = "uccert"
# Fixed, so a run interrupted under one uccert build is recovered by the next one.
APP_VERSION: Final = "uccert-runs-1"
EXECUTOR_ID: Final = "local"  # SQLite: one executor at a time (the lock file)
ATTEMPT_SEP: Final = "~"
# Holds the cancelled attempt that closes a failed run; no executor ever serves this queue.
CANCEL_QUEUE: Final = "uccert-cancelled"
# Fleet runs wait here for a worker (``fleet``): partitioned by cluster.
FLEET_QUEUE: Final = "uccert-fleet"


class RunNotFound(ConfigError):
    pass


class RunNotResumable(ConfigError):
    pass


def new_run_id(now: datetime | None = None) -> str:
    when = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _run_of(workflow_id: str) -> tuple[str, int]:
    run, _, attempt = workflow_id.partition(ATTEMPT_SEP)
    return run, int(attempt) if attempt else 1


def own_queue(executor_id: str) -> str:
    """The queue only this process listens to: where it puts a run it resumes on PostgreSQL."""
    return f"uccert-executor-{executor_id}"


def dbos_config(database: RunDatabase, executor_id: str = EXECUTOR_ID) -> DBOSConfig:
    return {
        "name": APP_NAME,
        "system_database_url": database.url,
        "application_version": APP_VERSION,
        "executor_id": executor_id,
        "log_level": "WARNING",
    }


LOG_LINE_LIMIT: Final = 200
_PARTIAL_REPR: Final = re.compile(r"functools\.partial\(<function (\w+) at 0x[0-9a-f]+>.*", re.S)


class _OneLine(logging.Filter):
    """DBOS logs a cancelled step with the repr of its arguments: the whole plan, ~10 kB on
    one line, on Ctrl-C. Keep its records to one short line, without tracebacks (uccert
    reports what happened itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = " ".join(_PARTIAL_REPR.sub(r"\1", record.getMessage()).split())
        if len(text) > LOG_LINE_LIMIT:
            text = text[:LOG_LINE_LIMIT] + " …"
        record.msg, record.args = text, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _quiet_dbos() -> None:
    logger = logging.getLogger("dbos")
    if not any(isinstance(f, _OneLine) for f in logger.filters):
        logger.addFilter(_OneLine())


@dataclass(frozen=True)
class Attempt:
    workflow_id: str
    number: int
    dbos_status: str
    created: datetime
    stored: Mapping[str, Any]
    outcome: RunOutcome | None
    updated: datetime | None = None  # DBOS's last status change: the end, once it has ended
    queue: str | None = None


@dataclass(frozen=True)
class RunView:
    """Everything ``uccert runs show`` prints: the summary, the plan, each attempt's records."""

    summary: RunSummary
    plan: Plan
    attempts: tuple[Attempt, ...]
    records: tuple[tuple[str, tuple[StepRecord, ...]], ...]  # per attempt workflow id

    @property
    def outcome(self) -> RunOutcome | None:
        return self.attempts[-1].outcome

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary.to_json(),
            "plan": self.plan.to_json(),
            "outcome": None if self.outcome is None else self.outcome.to_json(),
            "history": [
                {"id": wf, "steps": [r.to_json() for r in recs]} for wf, recs in self.records
            ],
        }


def _status(latest: Attempt, busy: bool) -> RunStatus:
    match latest.dbos_status:
        case "SUCCESS":
            ok = latest.outcome is not None and latest.outcome.succeeded
            return RunStatus.SUCCEEDED if ok else RunStatus.FAILED
        case "ERROR" | "MAX_RECOVERY_ATTEMPTS_EXCEEDED":
            return RunStatus.FAILED
        case "CANCELLED":
            return RunStatus.CANCELLED
        case "ENQUEUED" if not busy and latest.queue == FLEET_QUEUE:
            return RunStatus.QUEUED  # not yet taken by a worker (else: re-queued by recovery)
        case _:  # PENDING, ENQUEUED
            return RunStatus.RUNNING if busy else RunStatus.INTERRUPTED


class RunBook:
    """Read-only access to the runs of a database (never launches DBOS)."""

    def __init__(self, database: RunDatabase) -> None:
        self.database = database

    def _client(self) -> DBOSClient:
        return DBOSClient(system_database_url=self.database.url)

    def _attempts(self, run_id: str | None = None) -> dict[str, list[Attempt]]:
        if not self.database.exists:
            return {}
        client = self._client()
        try:
            found = client.list_workflows(
                name=WORKFLOW_NAME,
                workflow_id_prefix=run_id,
                load_input=True,
                load_output=True,
            )
        finally:
            client.destroy()
        runs: dict[str, list[Attempt]] = {}
        for w in found:
            run, number = _run_of(w.workflow_id)
            if run_id is not None and run != run_id:
                continue
            args = (w.input or {}).get("args", ()) if isinstance(w.input, dict) else ()
            stored: Mapping[str, Any] = args[0] if args else {}
            output = w.output if isinstance(w.output, dict) else None
            runs.setdefault(run, []).append(
                Attempt(
                    w.workflow_id,
                    number,
                    str(w.status),
                    datetime.fromtimestamp((w.created_at or 0) / 1000, UTC),
                    stored,
                    RunOutcome.from_json(output) if output is not None else None,
                    datetime.fromtimestamp(w.updated_at / 1000, UTC) if w.updated_at else None,
                    w.queue_name,
                )
            )
        for attempts in runs.values():
            attempts.sort(key=lambda a: a.number)
        return runs

    def _summary(
        self, run: str, attempts: list[Attempt], busy: bool, holder: str = ""
    ) -> RunSummary:
        latest = attempts[-1]
        status = _status(latest, busy)
        reason = latest.outcome.reason if latest.outcome is not None else ""
        unfinished = (RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.QUEUED)
        ended = None if status in unfinished else latest.updated
        return RunSummary(
            run,
            status,
            attempts[0].created,
            str(attempts[0].stored.get("command", "")),
            str(attempts[0].stored.get("cluster", "")),
            len(attempts),
            reason,
            ended=ended,
            holder=holder if status is RunStatus.RUNNING else "",
        )

    def _holders(self, run_ids: list[str]) -> dict[str, str] | None:
        """PostgreSQL: the executor holding each run being executed; None for SQLite."""
        if not self.database.postgres:
            return None
        return run_holders(self.database.url, run_ids)

    def runs(self) -> list[RunSummary]:
        runs = self._attempts()
        held = self._holders(list(runs))
        if held is None:
            busy = self.database.busy()
            summaries = [self._summary(run, a, busy) for run, a in runs.items()]
        else:
            summaries = [
                self._summary(run, a, run in held, held.get(run, "")) for run, a in runs.items()
            ]
        return sorted(summaries, key=lambda s: s.started)

    def unfinished(self) -> list[RunSummary]:
        return [s for s in self.runs() if s.status in UNFINISHED]

    def show(self, run_id: str) -> RunView:
        attempts = self._attempts(run_id).get(run_id)
        if not attempts:
            raise RunNotFound(f"no run {run_id!r}: see `uccert runs list` for the run ids")
        held = self._holders([run_id])
        if held is None:
            summary = self._summary(run_id, attempts, self.database.busy())
        else:
            summary = self._summary(run_id, attempts, run_id in held, held.get(run_id, ""))
        client = self._client()
        try:
            records = tuple(
                (
                    a.workflow_id,
                    tuple(
                        StepRecord.from_json(s["output"])
                        for s in client.list_workflow_steps(a.workflow_id)
                        if s["function_name"] == STEP_NAME and isinstance(s["output"], dict)
                    ),
                )
                for a in attempts
            )
        finally:
            client.destroy()
        return RunView(
            summary, plan_from_json(attempts[0].stored["plan"]), tuple(attempts), records
        )

    def cancel(self, run_id: str) -> RunSummary:
        """Mark an unfinished run cancelled (it will never be resumed).

        An interrupted attempt is cancelled in place. A failed attempt has ended (DBOS cannot
        cancel it), so the run gets one more attempt that is cancelled before anything runs
        it: the latest attempt decides the status, and it says cancelled."""
        view = self.show(run_id)
        if view.summary.status not in UNFINISHED:
            raise RunNotResumable(
                f"run {run_id} is {view.summary.status.value}: only unfinished runs can be"
                " cancelled"
            )
        if view.summary.status is RunStatus.RUNNING:
            raise RunNotResumable(
                f"run {run_id} is running in another process: stop that process first"
                " (Ctrl-C), then cancel"
            )
        latest = view.attempts[-1]
        client = self._client()
        try:
            if view.summary.status is RunStatus.FAILED:
                marker = f"{run_id}{ATTEMPT_SEP}{latest.number + 1}"
                stored = {**latest.stored, "attempt": latest.number + 1, "cancelled": True}
                client.enqueue(
                    {
                        "workflow_name": WORKFLOW_NAME,
                        "queue_name": CANCEL_QUEUE,
                        "workflow_id": marker,
                        "app_version": APP_VERSION,
                    },
                    stored,
                )
                client.cancel_workflow(marker)
            else:
                client.cancel_workflow(latest.workflow_id)
        finally:
            client.destroy()
        return self.show(run_id).summary


class Executor:
    """Holds the database's guard and a launched DBOS; executes new and resumed runs.

    SQLite: the lock file, and the fixed executor id whose interrupted runs DBOS recovers at
    launch. PostgreSQL: a distinct executor id held as a lock in the database, a lease per run
    it executes (``lease``), and a queue of its own for the runs it resumes; DBOS recovers
    nothing at launch (no other process ever had this executor id)."""

    def __init__(
        self,
        database: RunDatabase,
        environment: RunEnvironment,
        listen: tuple[str, ...] = (),
    ) -> None:
        self.database = database
        self.environment = environment
        self.listen = listen
        self._lock = ExecutorLock(database)
        self.leases: ExecutorLeases | None = None
        self.executor_id = EXECUTOR_ID
        if database.postgres:
            self.executor_id = new_executor_id()
            self.leases = ExecutorLeases(database.url, self.executor_id)

    def _guard_enter(self) -> None:
        if self.leases is not None:
            self.leases.start()
            try:
                migrate(self.database.url)
            except BaseException:
                self.leases.stop()
                raise
        else:
            self._lock.__enter__()

    def _guard_exit(self) -> None:
        if self.leases is not None:
            self.leases.stop()
        else:
            self._lock.__exit__(None, None, None)

    def __enter__(self) -> Executor:
        self._guard_enter()
        try:
            env = self.environment
            if self.leases is not None:
                env = replace(env, guard=self.leases.guard)
            install(env)
            logging.getLogger("dbos").setLevel(logging.WARNING)
            DBOS(config=dbos_config(self.database, self.executor_id))
            _quiet_dbos()
            if self.leases is not None:
                DBOS.listen_queues([*self.listen, own_queue(self.executor_id)])
            DBOS.launch()
        except BaseException:
            self._guard_exit()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            DBOS.destroy(destroy_registry=False)
        finally:
            self._guard_exit()

    async def start(
        self, run_id: str, plan: Plan, inventory: Path, fqdns: Mapping[str, str]
    ) -> RunOutcome:
        stored = run_input(run_id, 1, inventory, plan, fqdns)
        if self.leases is not None:
            self.leases.hold(run_id)
        try:
            with SetWorkflowID(run_id):
                handle = await DBOS.start_workflow_async(run_workflow, stored)
            return RunOutcome.from_json(await handle.get_result())
        finally:
            if self.leases is not None:
                self.leases.let_go(run_id)

    async def resume(self, run_id: str) -> RunOutcome:
        if self.leases is None:
            return await self._resume(run_id)
        self.leases.hold(run_id)  # refused, naming the holder, while another process runs it
        try:
            return await self._resume(run_id)
        finally:
            self.leases.let_go(run_id)

    async def _resume(self, run_id: str) -> RunOutcome:
        book = RunBook(self.database)
        attempts = book._attempts(run_id).get(run_id)
        if not attempts:
            raise RunNotFound(f"no run {run_id!r}: see `uccert runs list` for the run ids")
        latest = attempts[-1]
        status = _status(latest, busy=False)
        if status is RunStatus.INTERRUPTED:
            if self.leases is not None:
                # Its executor is gone (else it would hold the lease): to this process's own
                # queue, so no other process dequeues it.
                await DBOS.register_queue_async(
                    own_queue(self.executor_id), on_conflict="always_update"
                )
                handle: Any = await DBOS.resume_workflow_async(
                    latest.workflow_id, queue_name=own_queue(self.executor_id)
                )
            else:
                # launch() has already handed it to DBOS recovery: wait for it.
                handle = await DBOS.retrieve_workflow_async(latest.workflow_id)
            result = await handle.get_result()
            if isinstance(result, dict):
                return RunOutcome.from_json(result)
            raise UccertError(f"run {run_id} ended without an outcome: see `uccert runs show`")
        if status is not RunStatus.FAILED:
            raise RunNotResumable(
                f"run {run_id} is {status.value}: only failed or interrupted runs resume"
            )
        number = latest.number + 1
        stored = dict(latest.stored)
        stored["attempt"] = number
        # What the earlier attempts observed (their records), for steps no cert date times.
        stored["earlier"] = {
            r.id: r.to_json() for _, records in book.show(run_id).records for r in records
        }
        with SetWorkflowID(f"{run_id}{ATTEMPT_SEP}{number}"):
            handle = await DBOS.start_workflow_async(run_workflow, stored)
        return RunOutcome.from_json(await handle.get_result())


def stored_cluster(database: RunDatabase, run_id: str) -> tuple[str, Path]:
    """The cluster and inventory a stored run works on (to resolve its credentials)."""
    attempts = RunBook(database)._attempts(run_id).get(run_id)
    if not attempts:
        raise RunNotFound(f"no run {run_id!r}: see `uccert runs list` for the run ids")
    stored = attempts[0].stored
    return str(stored["cluster"]), Path(str(stored["inventory"]))
