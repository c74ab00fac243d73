"""The durable executor: runs a plan step by step, records each step, and resumes after a crash.

Its names load on first use (PEP 562 ``__getattr__``): the executor imports DBOS and the model,
which a command's ``--help`` must not pay for (tests/cli/test_lazy_imports.py), while every
caller still imports from ``uccert.run``, the package's public API (``__all__``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uccert.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from uccert.run.database import ExecutorLock, RunBusy, RunDatabase
    from uccert.run.executor import (
        FLEET_QUEUE,
        Executor,
        RunBook,
        RunView,
        new_run_id,
        stored_cluster,
    )
    from uccert.run.fleet import SWEEP_INTERVAL, Adopter, FleetItem, enqueue, register_fleet_queue
    from uccert.run.hooks import (
        HookContext,
        HookedRun,
        HookKind,
        Hooks,
        credential_names,
        hook_environment,
        hooked,
        parse_hook,
        plan_nodes,
        secret_values,
    )
    from uccert.run.records import RunOutcome, RunStatus, RunSummary, StepOutcome
    from uccert.run.workflow import ProgressEvent, RunEnvironment

# name -> the module that defines it
_HOME: dict[str, str] = {
    "Adopter": "uccert.run.fleet",
    "Executor": "uccert.run.executor",
    "ExecutorLock": "uccert.run.database",
    "FLEET_QUEUE": "uccert.run.executor",
    "FleetItem": "uccert.run.fleet",
    "HookContext": "uccert.run.hooks",
    "HookKind": "uccert.run.hooks",
    "HookedRun": "uccert.run.hooks",
    "Hooks": "uccert.run.hooks",
    "ProgressEvent": "uccert.run.workflow",
    "RunBook": "uccert.run.executor",
    "RunBusy": "uccert.run.database",
    "RunDatabase": "uccert.run.database",
    "RunEnvironment": "uccert.run.workflow",
    "RunOutcome": "uccert.run.records",
    "RunStatus": "uccert.run.records",
    "RunSummary": "uccert.run.records",
    "RunView": "uccert.run.executor",
    "SWEEP_INTERVAL": "uccert.run.fleet",
    "StepOutcome": "uccert.run.records",
    "credential_names": "uccert.run.hooks",
    "enqueue": "uccert.run.fleet",
    "hook_environment": "uccert.run.hooks",
    "hooked": "uccert.run.hooks",
    "new_run_id": "uccert.run.executor",
    "parse_hook": "uccert.run.hooks",
    "plan_nodes": "uccert.run.hooks",
    "register_fleet_queue": "uccert.run.fleet",
    "secret_values": "uccert.run.hooks",
    "stored_cluster": "uccert.run.executor",
}

__all__ = [
    "FLEET_QUEUE",
    "SWEEP_INTERVAL",
    "Adopter",
    "Executor",
    "ExecutorLock",
    "FleetItem",
    "HookContext",
    "HookKind",
    "HookedRun",
    "Hooks",
    "ProgressEvent",
    "RunBook",
    "RunBusy",
    "RunDatabase",
    "RunEnvironment",
    "RunOutcome",
    "RunStatus",
    "RunSummary",
    "RunView",
    "StepOutcome",
    "credential_names",
    "enqueue",
    "hook_environment",
    "hooked",
    "new_run_id",
    "parse_hook",
    "plan_nodes",
    "register_fleet_queue",
    "secret_values",
    "stored_cluster",
]


__getattr__ = lazy_exports(__name__, _HOME)
