"""Whether a restart or start sent before a dropped session already ran (then it is not sent
again): read from the service's state and start time, as the node shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from uccert.catalog import ServiceAction
from uccert.cluster.operations import ServiceStatus
from uccert.model import RunState
from uccert.run.steps import _took_effect

T0 = datetime(2026, 1, 1, tzinfo=UTC)

RESTART, START = ServiceAction.RESTART, ServiceAction.START


def status(state: RunState, started: datetime | None = None) -> ServiceStatus:
    return ServiceStatus("Cisco Tomcat", state, started, None)


def test_a_restart_shows_in_a_later_start_time_or_a_move() -> None:
    before = status(RunState.STARTED, T0)
    assert _took_effect(RESTART, before, status(RunState.STARTED, T0 + timedelta(seconds=5)))
    assert _took_effect(RESTART, before, status(RunState.STARTING))
    assert _took_effect(RESTART, before, status(RunState.STOPPED))  # it ran and did not start
    assert _took_effect(RESTART, before, status(RunState.STARTED, T0)) is False
    assert _took_effect(RESTART, before, None) is None


def test_without_start_times_a_look_cannot_tell_either_way() -> None:
    """Not "no" (that would send the restart again), not "yes": look again, or fail."""
    before = status(RunState.STARTED, T0)
    assert _took_effect(RESTART, status(RunState.STARTED), status(RunState.STARTED)) is None
    assert _took_effect(RESTART, before, status(RunState.STARTED)) is None


def test_a_start_shows_as_anything_but_stopped() -> None:
    before = status(RunState.STOPPED)
    assert _took_effect(START, before, status(RunState.STARTING))
    assert _took_effect(START, before, status(RunState.STARTED, T0))
    assert _took_effect(START, before, status(RunState.STOPPED)) is False
