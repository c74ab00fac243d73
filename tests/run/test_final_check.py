"""The final cluster check of a run retries a read that failed once, as steps do."""

from __future__ import annotations

import pytest

from uccert.lab.state import Fault, FaultKind

from .conftest import Cli

pytestmark = pytest.mark.timeout(300)


# 12.5: every node is read over the CLI (from 14 a subscriber is read over HTTPS, where the
# version comes from Control Center, not from `show version active`).
@pytest.mark.lab(version="12.5")
def test_one_failed_read_in_the_final_check_is_retried(lab_cli: Cli) -> None:
    proc = lab_cli.spawn("regen", "apply", "--units", "cup", "--yes")
    lab_cli.wait_for(
        lambda: any(e.node == "imp-sub1" for e in lab_cli.events("cert-regenerated")), proc
    )
    # Only the final check's read of the cluster asks for the version; it reads over the run's
    # own session, which the node drops under it once: the retry logs in again.
    drop = Fault(FaultKind.DROP_AFTER_COMMAND, "imp-sub1", "show version active", 1)
    lab_cli.lab.lab.inject_fault(drop)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out
    assert "verification could not read" in out and "retrying" in out
    assert lab_cli.lab.lab.faults == ()  # the fault was met
