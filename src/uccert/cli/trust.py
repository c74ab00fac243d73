"""`uccert trust prune`: delete expired (or duplicate) trust certificates the way §5 says, with
the version's pre-stops, the restarts each store needs, HA handled and every step verified.

``--dry-run`` only reads and shows the plan. ``--yes`` (or an interactive yes) runs it durably
through the same executor as `regen apply` (`uccert runs ...`). Bad input stops before the
cluster is read, with exit 2.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError
from uccert.model import Plan, StepKind
from uccert.plan import PruneRequest, parse_nodes, plan_prune
from uccert.plan.prune_select import check_request
from uccert.run.database import RunDatabase
from uccert.run.executor import RunBook

from .inventory import ClusterOption, InventoryOption, JsonOption, console
from .regen import (
    DatabaseOption,
    ReportOption,
    confirm,
    execute,
    refuse_unfinished,
    snapshot_of,
    target,
    timing_of,
)
from .run_display import plan_table

app = typer.Typer(help="Trust stores: delete expired or duplicate trust certificates.")


def _command_line(request: PruneRequest, nodes: str) -> str:
    parts = ["uccert", "trust", "prune"]
    if request.expired:
        parts.append("--expired")
    if request.duplicates:
        parts.append("--duplicates")
    if request.store is not None:
        parts += ["--store", request.store]
    if request.subject is not None:
        parts += ["--subject", request.subject]
    parts += ["--nodes", nodes]
    if request.force:
        parts.append("--force")
    return shlex.join(parts)


def _lines(items: list[str]) -> str:
    return "\n".join(escape(i) for i in dict.fromkeys(items))


def node_table(plan: Plan) -> Table:
    """Per node: what is deleted there (and why), what it loses by propagation, what stops
    and what restarts."""
    table = Table(title="Per node", title_justify="left")
    for column in ("node", "delete (why)", "stop, then start", "restart"):
        table.add_column(column, no_wrap=column == "node")
    nodes = dict.fromkeys(s.node for s in plan.steps if s.node is not None)
    for node in nodes:
        mine = [s for s in plan.steps if s.node == node]
        deleted = {s.expect for s in mine if s.kind is StepKind.DELETE_TRUST}
        deletes = [s.reason for s in mine if s.kind is StepKind.DELETE_TRUST]
        deletes += [
            f"{s.store}: serial {serial} (deleted elsewhere, the delete propagates)"
            for s in mine
            if s.kind is StepKind.VERIFY
            for serial in s.serves
            if serial not in deleted
        ]
        table.add_row(
            node,
            _lines(deletes),
            _lines([s.service or "" for s in mine if s.kind is StepKind.STOP]),
            _lines([s.service or "" for s in mine if s.kind is StepKind.RESTART]),
        )
    return table


def print_prune(out: Console, plan: Plan) -> None:
    if plan.changes_anything:
        out.print(node_table(plan))
        out.print(plan_table(plan))
        counts = {k: len(plan.of_kind(k)) for k in (StepKind.DELETE_TRUST, StepKind.STOP)}
        out.print(
            f"{counts[StepKind.DELETE_TRUST]} delete(s), {counts[StepKind.STOP]} stop(s) and as"
            f" many starts, {len(plan.of_kind(StepKind.RESTART))} restart(s),"
            f" {len(plan.steps)} steps."
        )
    for w in plan.warnings:
        out.print(f"[bold yellow]warning[/] {w.code}: {escape(w.message)}")


def _run_json(database: RunDatabase, command: str) -> dict[str, Any] | None:
    """The run just executed (the newest with this command): status, outcome, step records."""
    runs = [r for r in RunBook(database).runs() if r.command == command]
    if not runs:
        return None
    view = RunBook(database).show(runs[-1].id).to_json()
    view.pop("plan", None)
    return view


def _emit(plan: Plan, run: dict[str, Any] | None) -> None:
    """The plan document (`Plan.to_json`), with the run's outcome under ``run`` after --yes."""
    sys.stdout.write(json.dumps({**plan.to_json(), "run": run}, indent=2) + "\n")


def prune(
    expired: Annotated[
        bool, typer.Option("--expired", help="Expired trust certs (the default).")
    ] = False,
    duplicates: Annotated[
        bool,
        typer.Option("--duplicates", help="Extra copies of one cert in one store (one stays)."),
    ] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="Only this trust store, e.g. tomcat-trust.")
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option("--subject", help="Only certs whose subject CN matches this regex."),
    ] = None,
    nodes: Annotated[
        str, typer.Option("--nodes", help="all (default), imp, cucm, or node names.")
    ] = "all",
    force: Annotated[
        bool,
        typer.Option("--force", help="Also delete a CA that anchors a CA-signed identity."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    report: ReportOption = None,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
) -> None:
    """Delete trust certs (§5): HA off, pre-stops where the version needs them, delete, the
    restarts each store needs, start what was stopped, verify, restore HA."""
    if dry_run and yes:
        raise ConfigError("--dry-run and --yes contradict each other: give one of them")
    request = PruneRequest(
        expired=expired or not duplicates,
        duplicates=duplicates,
        store=store,
        subject=subject,
        nodes=parse_nodes(nodes),
        force=force,
    )
    request = replace(request, command=_command_line(request, nodes))
    check_request(request)
    database = None if dry_run else RunDatabase.locate(database_url)
    where = target(inventory, cluster)
    snap = snapshot_of(where)
    built = plan_prune(snap, request, timing_of(where.config), datetime.now(UTC))
    out = Console(stderr=True) if json_out else console()
    if not json_out:
        print_prune(out, built)
    if not built.changes_anything or database is None:
        out.print(
            "Nothing to prune." if not built.changes_anything else "Dry run: nothing changed."
        )
        if json_out:
            _emit(built, None)
        return
    refuse_unfinished(database)
    confirm(f"Apply these {len(built.steps)} steps to cluster {built.cluster}?", yes)
    code = execute(out, where, built, snap, database, report)
    if json_out:
        _emit(built, _run_json(database, request.command))
    raise typer.Exit(code)


app.command("prune")(prune)
