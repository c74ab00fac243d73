"""`uccert trust prune`: delete expired (or duplicate) trust certificates the way §5 says, with
the version's pre-stops, the restarts each store needs, HA handled and every step verified.

``--dry-run`` only reads and shows the plan. ``--yes`` (or an interactive yes) runs it durably
through the same executor as `regen apply` (`uccert runs ...`). Bad input stops before the
cluster is read, with exit 2.
"""
# § numbers in this module are sections of docs/design/procedure.md (§N.M: step M of §N).

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError
from uccert.run import RunDatabase

from .changes import (
    DuplicatesOption,
    ExpiredOption,
    ForceCaOption,
    PruneNodesOption,
    StoreOption,
    SubjectOption,
    prune_command_line,
)
from .common import (
    ClusterOption,
    DatabaseOption,
    ExplainOption,
    ForceReplicationOption,
    InventoryOption,
    JsonOption,
    ReportOption,
    confirm,
    console,
    execute,
    refuse_unfinished,
    snapshot_of,
    target,
    timing_of,
)
from .hooks import DeployHookOption, PostHookOption, PreHookOption, around
from .output import paged

if TYPE_CHECKING:
    from uccert.model import Plan

app = typer.Typer(help="Trust stores: delete expired or duplicate trust certificates.")


def print_prune(out: Console, plan: Plan, *, explain: bool = False) -> None:
    """The plan in phases (HA off, delete, restarts, verify, HA on), or only its warnings
    when nothing is to be deleted."""
    from .run_display import print_plan, warning_lines

    if plan.changes_anything:
        print_plan(out, plan, explain=explain)
        return
    for line in warning_lines(plan, out.width):
        out.print(line, soft_wrap=True)


def _run_json(database: RunDatabase, command: str) -> dict[str, Any] | None:
    """The run just executed (the newest with this command): status, outcome, step records."""
    from uccert.run import RunBook

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
    expired: ExpiredOption = False,
    duplicates: DuplicatesOption = False,
    store: StoreOption = None,
    subject: SubjectOption = None,
    nodes: PruneNodesOption = "all",
    force: ForceCaOption = False,
    force_replication: ForceReplicationOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    report: ReportOption = None,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
    explain: ExplainOption = False,
    pre_hook: PreHookOption = None,
    post_hook: PostHookOption = None,
    deploy_hook: DeployHookOption = None,
) -> None:
    """Delete trust certs: HA off, pre-stops where the version needs them, delete, the
    restarts each store needs, start what was stopped, verify, restore HA."""
    from uccert.plan import PruneRequest, check_request, parse_nodes, plan_prune
    from uccert.run import plan_nodes

    if dry_run and yes:
        raise ConfigError("--dry-run and --yes contradict each other: give one of them")
    request = PruneRequest(
        expired=expired or not duplicates,
        duplicates=duplicates,
        store=store,
        subject=subject,
        nodes=parse_nodes(nodes),
        force=force,
        force_replication=force_replication,
    )
    request = replace(request, command=prune_command_line(request, nodes))
    check_request(request)
    database = None if dry_run else RunDatabase.locate(database_url)
    where = target(inventory, cluster)
    snap = snapshot_of(where)
    built = plan_prune(snap, request, timing_of(where.config), datetime.now(UTC))
    out = Console(stderr=True) if json_out else console()
    if not json_out:
        with paged(out) if database is None else contextlib.nullcontext():
            print_prune(out, built, explain=explain)
    if not built.changes_anything or database is None:
        out.print(
            "Nothing to prune." if not built.changes_anything else "Dry run: nothing changed."
        )
        if json_out:
            _emit(built, None)
        return
    refuse_unfinished(database, {where.config.name})
    confirm(f"Apply these {len(built.steps)} steps to cluster {built.cluster}?", yes)
    hooks = (pre_hook, post_hook, deploy_hook)
    with around(hooks, "trust prune", where, database, plan_nodes(built)):
        code = execute(out, where, built, snap, database, report)
        if json_out:
            _emit(built, _run_json(database, request.command))
        raise typer.Exit(code)


app.command("prune")(prune)
