"""A run's end time is its latest attempt's, and only once that attempt has ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from uccert.run.database import RunDatabase
from uccert.run.executor import Attempt, RunBook
from uccert.run.records import RunOutcome, RunStatus

pytestmark = pytest.mark.pure

T0 = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def attempt(number: int, status: str, ok: bool | None, minutes: int) -> Attempt:
    outcome = None if ok is None else RunOutcome(succeeded=ok)
    created = T0 + timedelta(hours=number)
    stored = {"command": "regen apply --units cup", "cluster": "lab"}
    return Attempt(
        f"r~{number}",
        number,
        status,
        created,
        stored,
        outcome,
        created + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(
    ("latest", "busy", "status", "ended"),
    [
        (
            attempt(2, "SUCCESS", True, 9),
            False,
            RunStatus.SUCCEEDED,
            T0 + timedelta(hours=2, minutes=9),
        ),
        (
            attempt(2, "SUCCESS", False, 4),
            False,
            RunStatus.FAILED,
            T0 + timedelta(hours=2, minutes=4),
        ),
        (
            attempt(2, "CANCELLED", None, 1),
            False,
            RunStatus.CANCELLED,
            T0 + timedelta(hours=2, minutes=1),
        ),
        (attempt(2, "PENDING", None, 3), True, RunStatus.RUNNING, None),
        (attempt(2, "PENDING", None, 3), False, RunStatus.INTERRUPTED, None),
    ],
)
def test_the_summary_ends_with_its_latest_attempt(
    tmp_path: Path, latest: Attempt, busy: bool, status: RunStatus, ended: datetime | None
) -> None:
    book = RunBook(RunDatabase.locate(directory=tmp_path))
    summary = book._summary("r", [attempt(1, "SUCCESS", False, 5), latest], busy)
    assert summary.status is status and summary.started == T0 + timedelta(hours=1)
    assert summary.ended == ended
    shown = summary.to_json()["ended"]
    assert shown == (None if ended is None else f"{ended:%Y-%m-%dT%H:%M:%SZ}")
