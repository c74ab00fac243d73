"""The final cluster check of a run retries a read that failed once, as steps do."""

from __future__ import annotations

import pytest

from uccert.lab.state import Fault, FaultKind

from .conftest import Cli

pytestmark = pytest.mark.timeout(300)


def test_one_failed_read_in_the_final_check_is_retried(lab_cli: Cli) -> None:
    proc = lab_cli.spawn("regen", "apply", "--units", "cup", "--yes")
    lab_cli.wait_for(
        lambda: any(e.node == "imp-sub1" for e in lab_cli.events("cert-regenerated")), proc
    )
    # The run's own SSH session to imp-sub1 is open by now: only the final check's fresh read
    # of the cluster opens a new one.
    lab_cli.lab.lab.inject_fault(Fault(FaultKind.NODE_UNREACHABLE, "imp-sub1", None, 1))
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out
    assert "verification could not read" in out and "retrying" in out
    assert lab_cli.lab.lab.faults == ()  # the fault was met
