"""When a live worker adopts another executor's fleet runs, and what needs PostgreSQL (pure:
no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from uccert.cli import main
from uccert.run.executor import FLEET_QUEUE, Attempt, _status
from uccert.run.fleet import Adopter
from uccert.run.lease import EXECUTOR_PREFIX, lock_key
from uccert.run.records import RunStatus

pytestmark = pytest.mark.pure


def alive(*executors: str) -> list[int]:
    return [lock_key(EXECUTOR_PREFIX + e) for e in executors]


def test_a_dead_executor_is_adopted_only_after_the_lease_timeout() -> None:
    adopter = Adopter("postgresql://unused", "me", lease_timeout=30)
    assert adopter.due(["dead"], alive(), now=100) == []
    assert adopter.due(["dead"], alive(), now=129) == []
    assert adopter.due(["dead"], alive(), now=130) == ["dead"]


def test_a_live_executor_and_this_one_are_never_adopted() -> None:
    adopter = Adopter("postgresql://unused", "me", lease_timeout=0)
    assert adopter.due(["me", "busy", ""], alive("busy"), now=1) == []


def test_an_executor_seen_alive_again_restarts_its_timeout() -> None:
    adopter = Adopter("postgresql://unused", "me", lease_timeout=10)
    adopter.due(["w"], alive(), now=0)
    adopter.due(["w"], alive("w"), now=5)  # its lock came back: a blip, not a death
    assert adopter.due(["w"], alive(), now=12) == []
    assert adopter.due(["w"], alive(), now=22) == ["w"]


def test_lock_keys_are_stable_signed_64_bit_and_distinct() -> None:
    keys = {lock_key(f"run:{i}") for i in range(1000)}
    assert len(keys) == 1000
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert lock_key("run:a") == lock_key("run:a")


@pytest.mark.parametrize(
    "args",
    [
        ["worker", "--inventory", "none.toml"],
        ["fleet", "regen", "apply", "--units", "cup", "--yes", "--inventory", "none.toml"],
        ["fleet", "trust", "prune", "--yes", "--inventory", "none.toml"],
    ],
)
def test_workers_and_fleet_runs_refuse_sqlite_in_one_line(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    assert main([*args, "--database-url", url]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL run database" in lines[0], lines
    assert not (tmp_path / "runs.sqlite").exists()


@pytest.mark.parametrize(
    ("queue", "busy", "status"),
    [
        (FLEET_QUEUE, False, RunStatus.QUEUED),  # waiting for a worker
        (FLEET_QUEUE, True, RunStatus.RUNNING),
        ("_dbos_internal_queue", False, RunStatus.INTERRUPTED),  # re-queued by recovery
        (None, False, RunStatus.INTERRUPTED),
    ],
)
def test_a_run_waiting_for_a_worker_is_queued_not_interrupted(
    queue: str | None, busy: bool, status: RunStatus
) -> None:
    attempt = Attempt("r", 1, "ENQUEUED", datetime.now(UTC), {}, None, queue=queue)
    assert _status(attempt, busy) is status
