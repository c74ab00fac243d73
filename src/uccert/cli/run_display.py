"""How plans, progress and run outcomes look in a terminal (shared by regen, runs and demo)."""

from __future__ import annotations

import re
import textwrap
import threading
import time
import weakref
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.status import Status
from rich.text import Text

from uccert.errors import ConfigError
from uccert.model import (
    DeleteTrustStep,
    HaOffStep,
    HaRestoreStep,
    HaWaitStep,
    ImportTrustStep,
    Plan,
    PreflightStep,
    RegenerateStep,
    RestartStep,
    StartStep,
    Step,
    StepKind,
    StopStep,
    VerifyClusterStep,
    VerifyNodeStep,
    VerifyTrustsGoneStep,
    Via,
)
from uccert.report import render_run_html
from uccert.run import RunOutcome, RunSummary

from .output import Cell, Column, clean, column_widths, fit_columns, fit_line

if TYPE_CHECKING:
    from uccert.run import ProgressEvent, RunView

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
    match step:
        case HaOffStep() | HaRestoreStep():
            where, what = step.group, ""
        case RegenerateStep() | ImportTrustStep():
            where, what = step.node, step.unit
        case StopStep() | StartStep() | RestartStep():
            where, what = step.node, step.service
        case DeleteTrustStep():
            where, what = step.node, step.file
        case _:
            where, what = step.node or "cluster", ""
    via = f" via {step.via.value}" if step.via is not Via.NONE else ""
    return f"{step.kind.value:<12} {where:<10} {what}{via}".rstrip()


# The phases a plan is shown in, in the order a run goes through them.
PHASES: Final = (
    ("Before any change", (StepKind.PREFLIGHT,)),
    ("HA off", (StepKind.HA_OFF, StepKind.HA_WAIT)),
    ("Stop", (StepKind.STOP,)),
    ("Regenerate", (StepKind.REGENERATE,)),
    ("Delete", (StepKind.DELETE_TRUST,)),
    ("Repair trust", (StepKind.IMPORT_TRUST,)),
    ("Restarts", (StepKind.RESTART, StepKind.START)),
    ("Verify", (StepKind.VERIFY,)),
    ("HA on", (StepKind.HA_RESTORE,)),
)
_PHASE_OF: Final = {kind: title for title, kinds in PHASES for kind in kinds}
_CLAUSE_END: Final = re.compile(r"; | \(|, which ")
_ISO_TIME: Final = re.compile(r"(\d{4}-\d\d-\d\d)T[\d:]+Z")


def _first_clause(text: str) -> str:
    return _CLAUSE_END.split(text, maxsplit=1)[0].strip()


def step_what(step: Step) -> str:
    """What the step acts on, in a few words."""
    match step:
        case ImportTrustStep():
            return f"{step.unit} of {step.source} into {step.store}"
        case DeleteTrustStep():
            return f"{step.store}/{step.file}"
        case StartStep():
            return f"start {step.service}"
        case HaWaitStep():
            return "wait for the HA change"
        case HaOffStep() | HaRestoreStep():
            return step.group
        case VerifyTrustsGoneStep():
            return step.store
        case VerifyClusterStep():
            return "the whole cluster"
        case VerifyNodeStep():
            return "new certs"
        case PreflightStep():
            return "every node answers"
        case RegenerateStep():
            return step.unit
        case StopStep() | RestartStep():
            return step.service


def short_reason(step: Step, plan: Plan) -> str:
    """Why, in one clause (the whole reason is ``step.reason``: ``--explain``)."""
    match step:
        case PreflightStep():
            return "nothing changes before this"
        case HaOffStep():
            return "no failover during the restarts"
        case HaWaitStep():
            return f"{plan.timing.ha_sync_wait:g} s for it to reach every node"
        case RegenerateStep():
            return f"replaces serial {step.replaces_serial}"
        case RestartStep() if step.serves:
            return f"loads the new {', '.join(step.serves)}"
        case DeleteTrustStep():
            head = step.reason.split(": ", 1)[-1]
            spread = [p for p in step.reason.split("; ") if "propagates it to" in p]
            tail = spread[0].split("propagates it to ", 1)[-1] if spread else ""
            what = _ISO_TIME.sub(r"\1", _first_clause(head)).replace("expired at ", "expired ")
            what = what.replace("an extra copy of ", "a copy of ")
            return what + (f"; gone from {tail} too" if tail else "")
        case VerifyTrustsGoneStep():
            return "the deleted certs stay gone"
        case VerifyNodeStep():
            return "loaded and seen on the wire"
        case VerifyClusterStep():
            return "a fresh read: nothing down or pending"
        case HaRestoreStep():
            return "back on when every service runs"
        case _:
            return _first_clause(step.reason)


def plan_lines(plan: Plan, width: int, *, explain: bool = False) -> list[Text]:
    """The plan as phases (HA off, regenerate, restarts, verify, HA on), one line per step;
    with ``explain`` each step's whole reason under it."""
    title = f"Plan for cluster {clean(plan.cluster)}" + (
        " (the tech note's order, unit by unit)" if plan.literal else ""
    )
    lines = [Text(title, style="bold")]
    columns = [
        Column("#", right=True),
        Column("NODE"),
        Column("WHAT", shrink=2, minimum=24),
        Column("VIA"),
        Column("WHY", shrink=1, minimum=16),
    ]
    rows: list[list[Cell]] = [
        [
            str(i),
            clean(step.node or ""),
            clean(step_what(step)),
            step.via.value if step.via is not Via.NONE else "",
            clean(short_reason(step, plan)),
        ]
        for i, step in enumerate(plan.steps, 1)
    ]
    widths = column_widths(columns, rows, width, indent=2)
    phase = None
    for step, row in zip(plan.steps, rows, strict=True):
        title = _PHASE_OF.get(step.kind, step.kind.value)
        if title != phase:
            phase = title
            count = _phase_length(plan.steps, plan.steps.index(step))
            lines.append(Text(""))
            lines.append(
                Text(title, style=f"bold {_KIND_STYLE.get(step.kind, '')}".strip())
                + Text(f" ({count} step{'s' if count != 1 else ''})", style="dim")
            )
        lines.append(Text("  ") + fit_line(row, columns, widths))
        if explain and step.reason:
            lines += [
                Text(line, style="dim")
                for line in textwrap.wrap(
                    clean(step.reason),
                    max(width, 40),
                    initial_indent="      ",
                    subsequent_indent="      ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            ]
    for line in lines:
        line.rstrip()
    return lines


def _phase_length(steps: tuple[Step, ...], start: int) -> int:
    title = _PHASE_OF.get(steps[start].kind)
    end = start
    while end < len(steps) and _PHASE_OF.get(steps[end].kind) == title:
        end += 1
    return end - start


def plan_totals(plan: Plan) -> str:
    """``24 regenerations, 28 restarts, 76 steps`` (only the kinds the plan has)."""
    names = (
        (StepKind.REGENERATE, "regeneration"),
        (StepKind.DELETE_TRUST, "delete"),
        (StepKind.STOP, "stop"),
        (StepKind.RESTART, "restart"),
    )
    parts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for kind, word in names
        if (n := len(plan.of_kind(kind)))
    ]
    return ", ".join([*parts, f"{len(plan.steps)} steps"]) + "."


def warning_lines(plan: Plan, width: int) -> list[Text]:
    """Each warning of the plan, wrapped under its code."""
    lines: list[Text] = []
    for w in plan.warnings:
        wrapped = textwrap.wrap(
            f"warning {clean(w.code)}: {clean(w.message)}",
            max(width, 40),
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for i, line in enumerate(wrapped):
            text = Text(line)
            if i == 0:
                text.stylize("bold yellow", 0, len("warning"))
            lines.append(text)
    return lines


def print_plan(console: Console, plan: Plan, *, explain: bool = False) -> None:
    """The plan in phases, its totals, and its warnings."""
    for line in plan_lines(plan, console.width, explain=explain):
        console.print(line, soft_wrap=True)
    console.print(plan_totals(plan))
    if not explain:
        console.print(Text("Each step's whole reason: --explain.", style="dim"))
    for line in warning_lines(plan, console.width):
        console.print(line, soft_wrap=True)


class ProgressPrinter:
    """Each step as it ends, one line; safe to call from DBOS's own thread.

    On a terminal the step under way shows on a transient progress line (spinner, step
    number, what it does); elsewhere (a log, a pipe, CI) every line is plain text with a
    timestamp, and the start of each step is a line too, so a log shows what it waited on."""

    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.total = total
        self.count = 0
        self.live = console.is_terminal
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()
        self._status: Status | None = None
        _ACTIVE.add(self)

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self._print(event)

    def _line(self, text: Text) -> None:
        if self.live:
            text.truncate(max(self.console.width, 20), overflow="ellipsis")
            self.console.print(text, soft_wrap=True)
        else:
            self.console.print(Text(f"{datetime.now():%H:%M:%S} ") + text, soft_wrap=True)

    def _show(self, what: str) -> None:
        if self._status is None:
            self._status = self.console.status(what)
            self._status.start()
        else:
            self._status.update(what)

    def stop(self) -> None:
        """End the progress line (the run is over, or interrupted)."""
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _print(self, event: ProgressEvent) -> None:
        step = event.step
        if step is None:
            self._line(Text(f"  … {clean(event.message)}", style="dim"))
            return
        where = f"[{self.count + 1:>2}/{self.total}] {clean(describe(step))}"
        if event.phase == "start":
            self._started[step.id] = time.monotonic()
            if self.live:
                self._show(where)
            else:
                self._line(Text(f"… {where}", style="dim"))
            return
        took = time.monotonic() - self._started.pop(step.id, time.monotonic())
        if not self._started:
            self.stop()
        if event.phase == "end":
            self.count += 1
            outcome = event.record.outcome.value if event.record else "done"
            mark = Text("✓", style="green") if outcome == "done" else Text("=", style="dim")
            tail = "" if outcome == "done" else f" {outcome}"
            self._line(
                mark
                + Text(f" [{self.count:>2}/{self.total}] {clean(describe(step))}")
                + Text(f"  {took:.1f} s{tail}  {clean(event.message)}", style="dim")
            )
        elif event.phase == "fail":
            self._line(
                Text("✗", style="bold red")
                + Text(f" {clean(describe(step))}  ")
                + Text(clean(event.message), style="red")
            )


_ACTIVE: weakref.WeakSet[ProgressPrinter] = weakref.WeakSet()


def stop_progress() -> None:
    """End every progress line still shown (before the outcome is printed)."""
    for printer in list(_ACTIVE):
        printer.stop()


def print_outcome(console: Console, run_id: str, outcome: RunOutcome) -> int:
    """The run's end, loud when it failed; returns the exit code."""
    stop_progress()
    if outcome.succeeded:
        console.print(f"[bold green]Run {run_id} succeeded.[/]")
        return 0
    reason = escape(clean(outcome.reason))
    console.print(f"[bold red]Run {run_id} FAILED[/] at {outcome.failed_step}: {reason}")
    if outcome.unrestored:
        console.print("[bold red]NOT RESTORED — act now:[/]")
        for item in outcome.unrestored:
            console.print(f"  [red]{escape(clean(item))}[/]")
    if outcome.restored:
        console.print("Safety steps done:")
        for item in outcome.restored:
            console.print(f"  {escape(clean(item))}")
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
            console.print(f"  [{style}]{escape(clean(item))}[/]")
    console.print(f"Fix the cause, then: [bold]uccert runs resume {run_id} --yes[/]")
    return 1


class Fitted:
    """Lines drawn for the width the console has (``draw(width)``), as a rich renderable."""

    def __init__(self, draw: Callable[[int], list[Text]]) -> None:
        self.draw = draw

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.draw(options.max_width)


def runs_table(runs: list[RunSummary]) -> Fitted:
    """One line per run, kubectl-style; the command is cut first when the width runs out."""
    style = {"succeeded": "green", "failed": "red", "interrupted": "yellow", "running": "cyan"}
    columns = [
        Column("ID"),
        Column("STATUS"),
        Column("STARTED"),
        Column("CLUSTER", shrink=1, minimum=8),
        Column("ATTEMPTS", right=True),
        Column("COMMAND", shrink=2, minimum=16),
    ]
    rows: list[list[Cell]] = [
        [
            r.id,
            Text(r.status.value, style=style.get(r.status.value, "")),
            r.started.strftime("%Y-%m-%d %H:%M:%S"),
            clean(r.cluster),
            str(r.attempts),
            clean(r.command),
        ]
        for r in runs
    ]
    if any(r.holder for r in runs):  # PostgreSQL: which worker executes each running run
        columns.insert(4, Column("HOLDER", shrink=1, minimum=8))
        for row, r in zip(rows, runs, strict=True):
            row.insert(4, clean(r.holder) or "-")
    return Fitted(lambda width: fit_columns(columns, rows, width))


def write_report(view: RunView, path: Path) -> None:
    """The run's self-contained HTML report."""
    try:
        path.write_text(render_run_html(view.to_json()), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {path}: {exc.strerror}: pick another path"
        ) from exc
