"""What a run leaves behind: one record per executed step, the run's outcome, its status.

Records are plain JSON-able dicts on the way into the run database (DBOS stores step outputs
as they are returned) and frozen dataclasses on the way out. They never hold credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final


class StepOutcome(StrEnum):
    DONE = "done"  # this run changed the cluster
    ALREADY = "already"  # the cluster already showed the step's effect (resume, or no-op)
    FAILED = "failed"  # a safety step that could not be completed (the run says so loudly)


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"
    QUEUED = "queued"  # a fleet run waiting on the queue for a worker (PostgreSQL)


UNFINISHED: Final = frozenset(
    {RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.QUEUED}
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StepRecord:
    """One executed step. ``data``: what was observed (old/new serial, start time, ...)."""

    id: str
    kind: str
    node: str | None
    outcome: StepOutcome
    detail: str
    started: str
    finished: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "node": self.node,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "started": self.started,
            "finished": self.finished,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StepRecord:
        return cls(
            id=raw["id"],
            kind=raw["kind"],
            node=raw.get("node"),
            outcome=StepOutcome(raw["outcome"]),
            detail=raw.get("detail", ""),
            started=raw.get("started", ""),
            finished=raw.get("finished", ""),
            data=dict(raw.get("data", {})),
        )


@dataclass(frozen=True)
class RunOutcome:
    """What the workflow returns. ``unrestored``: safety actions that failed (loud);
    ``restored``: safety steps done, each with what it observed; ``services``: after a
    failure, each service the plan controls as its node showed it ("node service: state")."""

    succeeded: bool
    reason: str = ""
    failed_step: str | None = None
    unrestored: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": "succeeded" if self.succeeded else "failed",
            "reason": self.reason,
            "failed_step": self.failed_step,
            "unrestored": list(self.unrestored),
            "restored": list(self.restored),
            "services": list(self.services),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RunOutcome:
        return cls(
            succeeded=raw.get("outcome") == "succeeded",
            reason=raw.get("reason", ""),
            failed_step=raw.get("failed_step"),
            unrestored=tuple(raw.get("unrestored", ())),
            restored=tuple(raw.get("restored", ())),
            services=tuple(raw.get("services", ())),
        )


@dataclass(frozen=True)
class RunSummary:
    """One run as ``uccert runs list`` shows it (the latest attempt decides the status)."""

    id: str
    status: RunStatus
    started: datetime
    command: str
    cluster: str
    attempts: int
    reason: str = ""
    ended: datetime | None = None  # when its latest attempt ended; None while unfinished
    holder: str = ""  # PostgreSQL: the executor (host-pid-tag) executing a running run

    def to_json(self) -> dict[str, Any]:
        ended = self.ended.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.ended else None
        return {
            "id": self.id,
            "status": self.status.value,
            "started": self.started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ended": ended,
            "command": self.command,
            "cluster": self.cluster,
            "attempts": self.attempts,
            "reason": self.reason,
            "holder": self.holder,
        }
