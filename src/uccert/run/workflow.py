"""A run as a DBOS workflow: one DBOS step per plan step, safety steps on any failure.

DBOS stores each step's record as it completes. A run killed mid-way (even by SIGKILL) is
recovered when DBOS next launches on the database: completed steps are replayed from their
records, the interrupted step runs again (it is idempotent by observation, see ``steps``).

Why one process-wide slot: DBOS registers workflow functions globally and runs a recovered
workflow on its own event loop with only its stored input. The input holds no credentials
(the run database must never see them), so the process that launches DBOS installs the
resolved credentials here first. Nothing else is kept there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from dbos import DBOS

from uccert.cluster import ClusterClient, ClusterOps
from uccert.config import ClusterCredentials, load_inventory
from uccert.errors import ConfigError
from uccert.model import (
    Plan,
    RegenerateStep,
    RestartStep,
    StartStep,
    Step,
    StopStep,
    plan_from_json,
)
from uccert.run.records import RunOutcome, StepOutcome, StepRecord
from uccert.run.steps import BACKOFF, StepContext, execute

WORKFLOW_NAME: Final = "uccert_run"
STEP_NAME: Final = "uccert_step"


@dataclass(frozen=True)
class ProgressEvent:
    """``phase``: "start" | "end" | "note" | "fail"."""

    run_id: str
    phase: str
    step: Step | None
    message: str
    record: StepRecord | None = None


def _ignore(_event: ProgressEvent) -> None:
    return None


@dataclass(frozen=True)
class RunEnvironment:
    """Credentials by cluster name, where progress goes, the retry backoff; ``guard`` wraps
    the execution of a run (on PostgreSQL: holds the run's lease, see ``lease``)."""

    credentials: Mapping[str, ClusterCredentials]
    progress: Callable[[ProgressEvent], None] = _ignore
    backoff: float = BACKOFF
    guard: Callable[[str, ClusterOps], AbstractAsyncContextManager[ClusterOps]] | None = None

    def guarded(self, run_id: str, ops: ClusterOps) -> AbstractAsyncContextManager[ClusterOps]:
        return ops if self.guard is None else self.guard(run_id, ops)


@dataclass
class _Slot:
    environment: RunEnvironment | None = None


_SLOT: Final = _Slot()


def install(environment: RunEnvironment) -> None:
    """Before ``DBOS.launch()``: what recovered and new runs of this process execute with."""
    _SLOT.environment = environment


def _environment() -> RunEnvironment:
    if _SLOT.environment is None:
        raise ConfigError("no run environment installed: runs execute only through uccert")
    return _SLOT.environment


def run_input(
    run_id: str, attempt: int, inventory: Path, plan: Plan, fqdns: Mapping[str, str]
) -> dict[str, Any]:
    """The stored input of one attempt (never credentials)."""
    return {
        "run_id": run_id,
        "attempt": attempt,
        "inventory": str(inventory.resolve()),
        "cluster": plan.cluster,
        "command": plan.command,
        "fqdns": dict(fqdns),
        "plan": plan.to_json(),
    }


@DBOS.step(name=STEP_NAME)
async def _run_step(run_id: str, step: Step, ctx: StepContext) -> dict[str, Any]:
    env = _environment()
    env.progress(ProgressEvent(run_id, "start", step, step.reason or step.id))
    try:
        record = await execute(step, ctx)
    except Exception as exc:
        env.progress(ProgressEvent(run_id, "fail", step, str(exc)))
        raise
    env.progress(ProgressEvent(run_id, "end", step, record.detail, record))
    return record.to_json()


def _note_changes(changes: dict[str, dict[str, str]], step: Step, record: StepRecord) -> None:
    """A regeneration's new notBefore: when the restarts that serve it must come after."""
    if isinstance(step, RegenerateStep):
        not_before = record.data.get("not_before")
        if isinstance(not_before, str):
            changes.setdefault(step.node, {})[step.unit] = not_before


def _safety_steps(plan: Plan) -> tuple[Step, ...]:
    """What a failed run still does, in plan order: start what it stopped, restore HA."""
    return tuple(s for s in plan.steps if s.safety)


async def _observe_services(plan: Plan, ctx: StepContext) -> tuple[str, ...]:
    """After a failure: each service the plan controls as the node shows it now, service by
    service, so the summary says what was observed rather than what was meant to happen."""
    wanted: dict[str, list[str]] = {}
    for s in plan.of_type(RestartStep, StartStep, StopStep):
        names = wanted.setdefault(s.node, [])
        if s.service not in names:
            names.append(s.service)
    seen: list[str] = []
    for node, names in wanted.items():
        try:
            found = await ctx.ops.service_status(node, names)
        except Exception as exc:  # an observation only: say it could not be made
            seen.append(f"{node}: could not read the services ({exc})")
            continue
        for name in names:
            status = found.get(name)
            state = status.state.value if status is not None else "unknown"
            why = f" ({status.reason})" if status is not None and status.reason else ""
            seen.append(f"{node} {name}: {state}{why}")
    return tuple(seen)


async def _recorded(run_id: str, step: Step, ctx: StepContext) -> StepRecord:
    return StepRecord.from_json(await _run_step(run_id, step, ctx))


async def run_steps(
    plan: Plan,
    ctx: StepContext,
    run_step: Callable[[Step], Awaitable[StepRecord]],
    changes: dict[str, dict[str, str]],
) -> RunOutcome:
    """Every step in order; on any failure the safety steps (start what was stopped, HA back
    on), then what the services show. ``run_step`` is the durable step (a DBOS step in a run,
    ``execute`` itself in a test); ``changes`` is ``ctx.changes``, filled as regenerations
    complete."""
    current: Step | None = None
    try:
        for current in plan.steps:
            record = await run_step(current)
            _note_changes(changes, current, record)
    except Exception as exc:  # every failure runs the safety steps before the run stops
        reason = str(exc) or type(exc).__name__
        unrestored: list[str] = []
        restored: list[str] = []
        for safe in _safety_steps(plan):
            try:
                done = await run_step(safe)
            except Exception as safety_exc:
                unrestored.append(f"{safe.id}: {safety_exc}")
            else:
                if done.outcome is StepOutcome.FAILED:
                    unrestored.append(f"{safe.id}: {done.detail}")
                else:
                    restored.append(f"{safe.id}: {done.detail}")
        failed = current.id if current is not None else None
        services = await _observe_services(plan, ctx)
        return RunOutcome(False, reason, failed, tuple(unrestored), tuple(restored), services)
    return RunOutcome(True)


@DBOS.workflow(name=WORKFLOW_NAME)
async def run_workflow(stored: dict[str, Any]) -> dict[str, Any]:
    env = _environment()
    run_id = str(stored["run_id"])
    plan = plan_from_json(stored["plan"])
    inventory = load_inventory(Path(stored["inventory"]))
    config = inventory.clusters[plan.cluster]
    credentials = env.credentials[plan.cluster]
    pins_dir = inventory.path.resolve().parent
    fqdns: Mapping[str, str] = stored["fqdns"]
    changes: dict[str, dict[str, str]] = {}

    def note(message: str) -> None:
        env.progress(ProgressEvent(run_id, "note", None, message))

    async with env.guarded(run_id, ClusterOps(config, credentials, pins_dir, fqdns)) as ops:
        ctx = StepContext(
            plan,
            ops,
            ClusterClient(config, credentials, pins_dir, sessions=ops.sessions),  # one login
            pins_dir,
            fqdns,
            changes,
            note,
            env.backoff,
            stored.get("earlier", {}),
        )
        outcome = await run_steps(plan, ctx, lambda step: _recorded(run_id, step, ctx), changes)
    return outcome.to_json()
