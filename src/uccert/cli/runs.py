"""`uccert runs list|show|resume|cancel`: the durable runs of `regen apply` (and later prune).

``list`` and ``show`` only read the run database (they never execute anything, so they are
safe while a run is going on); ``resume`` executes, holding the database's lock.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from uccert.config import load_inventory, resolve_credentials, select_clusters
from uccert.run import RunDatabase

from .common import DatabaseOption, JsonOption, ReportOption, confirm, console, interrupted
from .output import clean

if TYPE_CHECKING:
    from uccert.run import RunView

app = typer.Typer(help="Durable runs: list, show, resume, cancel.")

RunId = Annotated[str, typer.Argument(help="The run id (see `uccert runs list`).")]
YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def list_runs(json_out: JsonOption = False, database_url: DatabaseOption = None) -> None:
    """Every run with its status (running, succeeded, failed, interrupted, cancelled)."""
    from uccert.run import RunBook

    from .run_display import runs_table

    runs = RunBook(RunDatabase.locate(database_url)).runs()
    if json_out:
        sys.stdout.write(json.dumps([r.to_json() for r in runs], indent=2) + "\n")
        return
    if not runs:
        print("no runs yet")
        return
    console().print(runs_table(runs))


def show(
    run_id: RunId,
    json_out: JsonOption = False,
    report: ReportOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One run: its plan, every executed step with what it observed, and the outcome."""
    from uccert.run import RunBook

    from .run_display import write_report

    view = RunBook(RunDatabase.locate(database_url)).show(run_id)
    if report is not None:
        write_report(view, report)
    if json_out:
        sys.stdout.write(json.dumps(view.to_json(), indent=2) + "\n")
        return
    out = console()
    s = view.summary
    out.print(f"Run [bold]{s.id}[/] on {s.cluster}: [bold]{s.status.value}[/]")
    out.print(f"  {escape(s.command)}  (started {s.started:%Y-%m-%d %H:%M:%S} UTC)")
    for workflow_id, records in view.records:
        out.print(f"attempt {workflow_id}:")
        for r in records:
            out.print(
                f"  {r.finished[:19]} {r.outcome.value:<8} {escape(clean(r.id))}"
                f"  [dim]{escape(clean(r.detail))}[/]"
            )
    if view.outcome is not None and not view.outcome.succeeded:
        out.print(
            f"[red]failed at {view.outcome.failed_step}: {escape(clean(view.outcome.reason))}[/]"
        )
        for item in view.outcome.unrestored:
            out.print(f"[bold red]not restored: {escape(clean(item))}[/]")


def resume(run_id: RunId, yes: YesOption = False, database_url: DatabaseOption = None) -> None:
    """Continue a failed or interrupted run; done steps are observed, not redone."""
    import asyncio

    from uccert.run import Executor, RunBook, RunEnvironment, stored_cluster

    from .run_display import ProgressPrinter, print_outcome

    database = RunDatabase.locate(database_url)
    book = RunBook(database)
    view = book.show(run_id)
    cluster, inventory = stored_cluster(database, run_id)
    config = select_clusters(load_inventory(inventory), cluster)[0]
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = resolve_credentials(config.credentials, cluster=config.name, prompt=prompt)
    confirm(f"Resume run {run_id} ({view.summary.status.value}) on cluster {cluster}?", yes)
    out = console()
    printer = ProgressPrinter(out, len(view.plan.steps))
    env = RunEnvironment({cluster: creds}, printer)

    async def go() -> int:
        with Executor(database, env) as executor:
            outcome = await executor.resume(run_id)
        return print_outcome(out, run_id, outcome)

    try:
        code = asyncio.run(go())
    except KeyboardInterrupt:
        raise interrupted(run_id) from None
    raise typer.Exit(code)


def left_off(view: RunView) -> tuple[list[str], list[str]]:
    """(groups, "service on node") this run may have turned off or stopped and not restored.

    From the plan's steps up to the one after the last recorded (a run killed right after an
    AXL update or a stop took effect has no record of it), minus the restores recorded."""
    from uccert.model import HaOffStep, HaRestoreStep, StartStep, StopStep
    from uccert.run import StepOutcome

    done = {
        r.id
        for _, records in view.records
        for r in records
        if r.outcome in (StepOutcome.DONE, StepOutcome.ALREADY)
    }
    recorded = {r.id for _, records in view.records for r in records}
    ids = [s.id for s in view.plan.steps]
    reached = max((ids.index(i) for i in recorded if i in ids), default=-1) + 1
    steps = view.plan.steps[: reached + 1]
    restored = {s.group for s in view.plan.of_type(HaRestoreStep) if s.id in done}
    groups = sorted({s.group for s in steps if isinstance(s, HaOffStep)} - restored)
    started = {(s.node, s.service) for s in view.plan.of_type(StartStep) if s.id in done}
    stopped = [
        f"{s.service} on {s.node}"
        for s in steps
        if isinstance(s, StopStep) and (s.node, s.service) not in started
    ]
    return groups, stopped


def cancel(run_id: RunId, yes: YesOption = False, database_url: DatabaseOption = None) -> None:
    """Give up an unfinished run (interrupted or failed): it will never be resumed; the cluster
    is left as it is, and what the run may have left off is named."""
    from uccert.run import RunBook

    book = RunBook(RunDatabase.locate(database_url))
    view = book.show(run_id)
    confirm(f"Cancel run {run_id}? It will never be resumed", yes)
    summary = book.cancel(run_id)
    print(f"run {summary.id} is {summary.status.value}")
    groups, stopped = left_off(view)
    if groups:
        print(
            f"warning: this run turns High Availability off on {', '.join(groups)} and did not"
            " restore it: check each group and turn HA back on once every service of its nodes"
            " runs (CUCM administration, System > Presence Redundancy Groups)",
            file=sys.stderr,
        )
    if stopped:
        print(
            f"warning: this run stops {', '.join(stopped)} and did not start it again: check"
            " and start it (utils service start NAME)",
            file=sys.stderr,
        )


app.command("list")(list_runs)
app.command("show")(show)
app.command("resume")(resume)
app.command("cancel")(cancel)
