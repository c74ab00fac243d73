"""How plans, progress and run outcomes look in a terminal (shared by regen, runs and demo)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from uccert.errors import ConfigError
from uccert.model import Plan, Step, StepKind
from uccert.report import render_run_html
from uccert.run.executor import RunView
from uccert.run.records import RunOutcome, RunSummary
from uccert.run.workflow import ProgressEvent

_KIND_STYLE = {
    StepKind.PREFLIGHT: "cyan",
    StepKind.HA_OFF: "magenta",
    StepKind.HA_WAIT: "magenta",
    StepKind.HA_RESTORE: "magenta",
    StepKind.REGENERATE: "bold yellow",
    StepKind.RESTART: "blue",
    StepKind.STOP: "red",
    StepKind.START: "green",
    StepKind.DELETE_TRUST: "bold red",
    StepKind.VERIFY: "green",
}


def describe(step: Step) -> str:
    """One line naming what the step does and where."""
    where = step.node or step.group or "cluster"
    what = step.unit or step.service or step.file or ""
    via = f" via {step.via.value}" if step.via.value != "none" else ""
    return f"{step.kind.value:<12} {where:<10} {what}{via}".rstrip()


def plan_table(plan: Plan) -> Table:
    table = Table(
        title=f"Plan for cluster {plan.cluster}" + (" (literal order)" if plan.literal else ""),
        title_justify="left",
    )
    for column in ("#", "step", "node / group", "unit / service", "via", "why"):
        table.add_column(column, no_wrap=column != "why")
    for i, step in enumerate(plan.steps, 1):
        table.add_row(
            str(i),
            f"[{_KIND_STYLE.get(step.kind, 'white')}]{step.kind.value}[/]",
            step.node or step.group or "cluster",
            step.unit or step.service or step.file or "",
            step.via.value if step.via.value != "none" else "",
            escape(step.reason),
        )
    return table


def print_plan(console: Console, plan: Plan) -> None:
    console.print(plan_table(plan))
    restarts = len(plan.of_kind(StepKind.RESTART))
    regens = len(plan.of_kind(StepKind.REGENERATE))
    console.print(f"{regens} regeneration(s), {restarts} restart(s), {len(plan.steps)} steps.")
    for w in plan.warnings:
        console.print(f"[bold yellow]warning[/] {w.code}: {escape(w.message)}")


class ProgressPrinter:
    """Prints each step as it starts and ends; safe to call from DBOS's own thread."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.count = 0
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self._print(event)

    def _print(self, event: ProgressEvent) -> None:
        step = event.step
        if step is None:
            self.console.print(f"  [dim]… {escape(event.message)}[/]")
            return
        if event.phase == "start":
            self._started[step.id] = time.monotonic()
            return
        took = time.monotonic() - self._started.pop(step.id, time.monotonic())
        if event.phase == "end":
            self.count += 1
            outcome = event.record.outcome.value if event.record else "done"
            mark = "[green]✓[/]" if outcome == "done" else "[dim]=[/]"
            tail = "" if outcome == "done" else f" {outcome}"
            self.console.print(
                f"{mark} [{self.count:>2}/{self.total}] {escape(describe(step))}"
                f"  [dim]{escape(event.message)} ({took:.1f} s){tail}[/]"
            )
        elif event.phase == "fail":
            self.console.print(
                f"[bold red]✗[/] {escape(describe(step))}  [red]{escape(event.message)}[/]"
            )


def print_outcome(console: Console, run_id: str, outcome: RunOutcome) -> int:
    """The run's end, loud when it failed; returns the exit code."""
    if outcome.succeeded:
        console.print(f"[bold green]Run {run_id} succeeded.[/]")
        return 0
    console.print(
        f"[bold red]Run {run_id} FAILED[/] at {outcome.failed_step}: {escape(outcome.reason)}"
    )
    if outcome.unrestored:
        console.print("[bold red]NOT RESTORED — act now:[/]")
        for item in outcome.unrestored:
            console.print(f"  [red]{escape(item)}[/]")
    if outcome.restored:
        console.print("Safety steps done:")
        for item in outcome.restored:
            console.print(f"  {escape(item)}")
    elif not outcome.unrestored:
        console.print("No safety steps: this run had not turned HA off or stopped a service.")
    down = [s for s in outcome.services if not s.endswith(": Started")]
    if outcome.services:
        console.print(
            f"Services the plan controls, as observed now ({len(outcome.services) - len(down)}"
            f" of {len(outcome.services)} Started):"
        )
        for item in outcome.services:
            style = "bold red" if item in down else "dim"
            console.print(f"  [{style}]{escape(item)}[/]")
    console.print(f"Fix the cause, then: [bold]uccert runs resume {run_id} --yes[/]")
    return 1


def print_interrupted(run_id: str) -> None:
    print(
        f"error: run {run_id} was interrupted: High Availability may still be off and services"
        f" may be stopped — finish it with `uccert runs resume {run_id} --yes`",
        file=sys.stderr,
    )


def runs_table(runs: list[RunSummary]) -> Table:
    table = Table(title="Runs", title_justify="left")
    for column in ("id", "status", "started", "cluster", "attempts", "command"):
        table.add_column(column, no_wrap=column != "command")
    style = {"succeeded": "green", "failed": "red", "interrupted": "yellow", "running": "cyan"}
    for r in runs:
        s = r.status.value
        table.add_row(
            r.id,
            f"[{style.get(s, 'white')}]{s}[/]",
            r.started.strftime("%Y-%m-%d %H:%M:%S"),
            r.cluster,
            str(r.attempts),
            escape(r.command),
        )
    return table


Printer = Callable[[ProgressEvent], None]


def write_report(view: RunView, path: Path) -> None:
    """The run's self-contained HTML report."""
    try:
        path.write_text(render_run_html(view.to_json()), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {path}: {exc.strerror}: pick another path"
        ) from exc
