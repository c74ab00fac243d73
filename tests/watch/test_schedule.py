"""The watch's durable checks on a real run database (SQLite, DBOS launched in this process),
with a check function standing in for the cluster read: a slot is checked once, whatever the
restarts; what was notified survives them; a failed delivery is delivered again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from uccert.run.database import ExecutorLock, RunBusy, RunDatabase
from uccert.watch.findings import Change
from uccert.watch.notify import NotifyFailed
from uccert.watch.schedule import Checked, WatchEnvironment, run_check

EXPIRING = {
    "code": "identity-expiring",
    "severity": "warning",
    "cluster": "east",
    "node": "imp-pub",
    "subject": "cup",
    "message": "expires in 9 days",
    "fix": "regenerate cup",
}
INFO = {**EXPIRING, "code": "read-warning", "severity": "info"}


class Cluster:
    """What the next check finds, and every notification sent."""

    def __init__(self) -> None:
        self.findings: list[dict[str, Any]] = []
        self.sent: list[Change] = []
        self.fail = False

    def check(self) -> Checked:
        return Checked(("east",), tuple(self.findings))

    def notify(self, change: Change) -> None:
        if self.fail:
            raise NotifyFailed("the webhook answered HTTP 503")
        self.sent.append(change)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Cluster, WatchEnvironment]:
    cluster = Cluster()
    database = RunDatabase.locate(directory=tmp_path)
    return cluster, WatchEnvironment(database, cluster.check, cluster.notify)


def test_a_slot_is_checked_once(setup: tuple[Cluster, WatchEnvironment]) -> None:
    cluster, env = setup
    cluster.findings = [EXPIRING, INFO]
    result, fresh = run_check(env, "watch-86400s-20261206T000000Z", "s")
    assert fresh and [len(c.new) for c in cluster.sent] == [1]  # the info finding is not sent
    assert result["current"] == [EXPIRING]
    cluster.findings = []
    again, fresh = run_check(env, "watch-86400s-20261206T000000Z", "s")  # a restart, same day
    assert not fresh and again == result and len(cluster.sent) == 1
    _, fresh = run_check(env, "watch-86400s-20261207T000000Z", "s")  # the next day
    assert fresh and [len(c.resolved) for c in cluster.sent] == [0, 1]


def test_the_same_finding_is_not_sent_twice_and_a_failed_send_is_retried(
    setup: tuple[Cluster, WatchEnvironment],
) -> None:
    cluster, env = setup
    cluster.findings = [EXPIRING]
    cluster.fail = True
    with pytest.raises(NotifyFailed):
        run_check(env, "once-1", "s")
    cluster.fail = False
    run_check(env, "once-2", "s")
    run_check(env, "once-3", "s")
    assert [c.new for c in cluster.sent] == [(EXPIRING,)]


def test_a_check_waits_while_a_run_holds_the_database(
    setup: tuple[Cluster, WatchEnvironment],
) -> None:
    cluster, env = setup
    with ExecutorLock(env.database), pytest.raises(RunBusy):
        run_check(env, "once-1", "s")
    assert cluster.sent == []
