"""`uccert runs cancel`: a way out of a failed or interrupted run, naming what it left off."""

from __future__ import annotations

import json
import signal

import pytest

from uccert.lab.state import Fault, FaultKind

from .conftest import Cli

pytestmark = pytest.mark.timeout(300)


def _status(cli: Cli) -> tuple[str, str]:
    listed = json.loads(cli.run("runs", "list", "--json").stdout)
    assert len(listed) == 1
    return listed[0]["id"], listed[0]["status"]


def test_a_failed_run_is_cancelled_and_the_ha_it_left_off_is_named(lab_cli: Cli) -> None:
    lab_cli.lab.lab.inject_fault(
        Fault(FaultKind.SERVICE_START_FAILS, "imp-sub1", "Cisco XCP Router", 1)
    )
    failed = lab_cli.run("regen", "apply", "--units", "cup-xmpp", "--yes")
    assert failed.returncode == 1
    run_id, status = _status(lab_cli)
    assert status == "failed"
    cancelled = lab_cli.run("runs", "cancel", run_id, "--yes")
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"run {run_id} is cancelled" in cancelled.stdout
    group = lab_cli.lab.lab.groups()[0].name
    assert "High Availability off on" in cancelled.stderr and group in cancelled.stderr
    assert _status(lab_cli) == (run_id, "cancelled")
    refused = lab_cli.run("runs", "resume", run_id, "--yes")
    assert refused.returncode == 2 and "cancelled" in refused.stderr
    # no longer refused (it then fails on the XCP Router the cancelled run left stopped)
    again = lab_cli.run("regen", "apply", "--units", "cup", "--yes")
    assert again.returncode != 2 and "started (resume it with" in again.stdout, again.stderr


def test_a_run_killed_right_after_ha_off_is_cancelled_with_the_ha_warning(lab_cli: Cli) -> None:
    proc = lab_cli.spawn("regen", "apply", "--units", "cup-xmpp", "--yes")
    lab_cli.wait_for(lambda: any(not e.data["enabled"] for e in lab_cli.events("ha-changed")), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    run_id, status = _status(lab_cli)
    assert status == "interrupted"
    cancelled = lab_cli.run("runs", "cancel", run_id, "--yes")
    assert cancelled.returncode == 0, cancelled.stderr
    assert _status(lab_cli) == (run_id, "cancelled")
    group = lab_cli.lab.lab.groups()[0].name
    assert "High Availability off on" in cancelled.stderr and group in cancelled.stderr
