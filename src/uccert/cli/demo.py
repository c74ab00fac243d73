"""`uccert demo`: the main job against the embedded lab, every phase visible.

It starts the demo lab (six nodes on 127.0.0.1, a fast clock) and then does what an admin
would do with uccert on a real cluster, through the same code paths: inventory, checks, the
regeneration plan, the durable run (HA off, regenerations, ordered restarts, verification,
HA restored), checks again, trust cleanup, and an HTML report. Nothing to configure: the lab
writes its own inventory, credentials and pins; the run database lives in a temporary folder.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from uccert.run import RunDatabase

from .changes import build_plan
from .check import render_lines as render_findings
from .common import Target, execute, snapshot_of, target, timing_of
from .common import console as wide_console
from .inventory import identity_lines, node_lines, trust_lines
from .trust import print_prune

if TYPE_CHECKING:
    from uccert.model import Snapshot

DEMO_TIME_SCALE = 0.005
DEMO_UNITS = "all"
DEMO_REPORT = "uccert-demo-report.html"  # in the current directory
DEMO_TRUST_REPORT = "uccert-demo-trust-report.html"


def now() -> datetime:
    return datetime.now(UTC)


def _phase(out: Console, title: str) -> None:
    out.rule(f"[bold]{title}")


def _check(out: Console, where: Target, snap: Snapshot) -> None:
    """What `uccert check` prints: the summary, then each group's fix once."""
    from uccert.checks import run_checks
    from uccert.model import Finding

    days = where.config.thresholds.warn_days
    findings = sorted(run_checks(snap, now(), days), key=Finding.sort_key)
    for line in render_findings(findings, out.width, [snap]):
        out.print(line, soft_wrap=True)


def run_demo(
    out: Console,
    report: Path,
    trust_report: Path | None = None,
    time_scale: float = DEMO_TIME_SCALE,
) -> int:
    from uccert.lab.servers import lab_in_background
    from uccert.plan import PruneRequest, plan_prune

    from .run_display import print_plan

    started = time.monotonic()
    out.print("[bold]Starting the demo lab[/] (6 nodes, in-process, on 127.0.0.1) ...")
    with (
        tempfile.TemporaryDirectory(prefix="uccert-demo-") as tmp,
        lab_in_background(preset_name="demo", time_scale=time_scale) as lab,
    ):
        out.print(f"Lab up in {time.monotonic() - started:.1f} s; inventory at {lab.inventory}")
        where = target(lab.inventory, None)

        _phase(out, "1. Inventory: every certificate of every node")
        snap = snapshot_of(where)
        trusts = trust_lines(snap, now(), out.width)[0]  # the count; the list is long
        trusts.append(" (`uccert inventory` lists them per node and store)", style="dim")
        for line in (
            *node_lines(snap, out.width),
            Text(""),
            *identity_lines(snap, now(), out.width),
            Text(""),
            trusts,
        ):
            out.print(line, soft_wrap=True)

        _phase(out, "2. Checks")
        _check(out, where, snap)

        _phase(out, f"3. Plan: regenerate {DEMO_UNITS} on the IM/P nodes")
        command = f"uccert regen apply --units {DEMO_UNITS} --nodes imp"
        snap, plan = build_plan(where, DEMO_UNITS, "imp", False, False, command)
        print_plan(out, plan)

        _phase(out, "4. Apply: one durable run")
        database = RunDatabase.locate(directory=Path(tmp))
        code = execute(out, where, plan, snap, database, report)
        failovers = [e for e in lab.lab.events if e.kind == "failover"]
        out.print(f"Failover events in the lab's log: {len(failovers)}")

        _phase(out, "5. Trust cleanup: delete expired and duplicate trust certs")
        snap = snapshot_of(where)
        request = PruneRequest(
            expired=True,
            duplicates=True,
            command="uccert trust prune --expired --duplicates --nodes all",
        )
        pruning = plan_prune(snap, request, timing_of(where.config), datetime.now(UTC))
        print_prune(out, pruning)
        if code == 0 and pruning.changes_anything:
            code = execute(out, where, pruning, snap, database, trust_report)

        _phase(out, "6. Checks again")
        _check(out, where, snapshot_of(where))
        out.print("Stopping the lab ...")
    out.print(f"[green]Done[/] in {time.monotonic() - started:.1f} s (exit {code}).")
    return code


def demo() -> None:
    """Start the demo lab and run the main job against it, every phase shown.

    Inventory, checks, plan, apply (HA off, regenerations, ordered restarts, verification, HA
    restored), trust cleanup, checks again; HTML reports in the current directory."""
    code = run_demo(wide_console(), Path(DEMO_REPORT).resolve(), Path(DEMO_TRUST_REPORT).resolve())
    if code:
        raise SystemExit(code)
