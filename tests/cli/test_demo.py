"""`uccert demo` runs the main job on the demo lab and shows each phase, ending clean."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from rich.console import Console

from uccert.cli.demo import run_demo

pytestmark = pytest.mark.timeout(300)

PHASES = ("1. Inventory", "2. Checks", "3. Plan", "4. Apply", "5. Trust cleanup", "6. Checks again")


class Collect(logging.Handler):
    """Every record uccert logs at WARNING or above (what a user's stderr would show)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


WARNINGS = Collect()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    folder = tmp_path_factory.mktemp("demo")
    report = folder / "report.html"
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    logging.getLogger("uccert").addHandler(WARNINGS)
    try:
        # a faster clock than `uccert demo`'s: the same phases, less waiting
        code = run_demo(console, report, folder / "trust-report.html", time_scale=0.002)
    finally:
        logging.getLogger("uccert").removeHandler(WARNINGS)
    return code, out.getvalue(), report


def test_demo_succeeds_and_shows_every_phase_in_order(demo_run: tuple[int, str, Path]) -> None:
    code, output, _ = demo_run
    assert code == 0, output[-3000:]
    positions = [output.index(p) for p in PHASES]
    assert positions == sorted(positions)


def test_demo_logs_no_warning(demo_run: tuple[int, str, Path]) -> None:
    """A clean demo says nothing on stderr: what it finds is in its output, once."""
    assert WARNINGS.seen == []


def test_demo_lists_every_node_and_finds_the_seeded_problems(
    demo_run: tuple[int, str, Path],
) -> None:
    _, output, _ = demo_run
    before = output[output.index(PHASES[0]) : output.index(PHASES[2])]
    for node in ("cucm-pub", "cucm-sub1", "imp-pub", "imp-sub1", "imp-sub2", "imp-sub3"):
        assert node in before
    for code in ("identity-expiring", "trust-expired", "trust-duplicate", "ipsec-trust-mismatch"):
        assert code in before
    assert re.search(r"error +ipsec-trust-mismatch +1 +imp-sub2", before)


def test_demo_run_ends_with_no_failover_and_no_regen_findings(
    demo_run: tuple[int, str, Path],
) -> None:
    _, output, report = demo_run
    assert "Failover events in the lab's log: 0" in output
    assert len(re.findall(r"Run \S+ succeeded", output)) == 2, "regen and trust cleanup"
    after = output[output.index(PHASES[5]) :]
    for code in ("identity-expiring", "ipsec-trust-mismatch", "restart-pending", "trust-"):
        assert code not in after
    page = report.read_text()
    assert "succeeded" in page and "imp-sub3" in page
    trust_page = (report.parent / "trust-report.html").read_text()
    assert "delete-trust" in trust_page and "succeeded" in trust_page
