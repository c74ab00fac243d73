"""`uccert regen plan|apply`: regenerate self-signed certificates the way the procedure says,
with HA handled, restarts merged and ordered, every step verified, and the run durable.

``plan`` only reads. ``apply`` reads, plans, shows the plan, asks (or takes ``--yes``), and
then executes it as a run (``uccert runs``). Anything wrong with the input or the cluster's
reachability stops before the first change, with exit 2.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError
from uccert.run import RunDatabase

from .changes import (
    ForceOption,
    LiteralOption,
    NodesOption,
    UnitsOption,
    build_plan,
    in_window,
    parse_window,
    regen_command_line,
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
    target,
)
from .hooks import DeployHookOption, PostHookOption, PreHookOption, around
from .output import paged

app = typer.Typer(help="Regenerate self-signed certificates: plan, then apply.")


def plan(
    units: UnitsOption,
    nodes: NodesOption = "imp",
    literal: LiteralOption = False,
    force_self_signed: ForceOption = False,
    force_replication: ForceReplicationOption = False,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    json_out: JsonOption = False,
    explain: ExplainOption = False,
) -> None:
    """Show what `regen apply` would do, phase by phase, and the warnings that apply."""
    from .run_display import print_plan

    where = target(inventory, cluster)
    command = regen_command_line(
        "apply", units, nodes, literal, force_self_signed, force_replication
    )
    _, built = build_plan(
        where, units, nodes, literal, force_self_signed, command, force_replication
    )
    if json_out:
        sys.stdout.write(json.dumps(built.to_json(), indent=2) + "\n")
        return
    out = console()
    with paged(out):
        print_plan(out, built, explain=explain)


def apply(
    units: UnitsOption,
    nodes: NodesOption = "imp",
    literal: LiteralOption = False,
    force_self_signed: ForceOption = False,
    force_replication: ForceReplicationOption = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    window: Annotated[
        str | None,
        typer.Option("--window", help="Refuse outside this local time window, HH:MM-HH:MM."),
    ] = None,
    report: ReportOption = None,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
    pre_hook: PreHookOption = None,
    post_hook: PostHookOption = None,
    deploy_hook: DeployHookOption = None,
) -> None:
    """Plan, confirm, then regenerate, restart, verify and restore HA as one durable run."""
    from uccert.run import plan_nodes

    from .run_display import print_plan

    bounds = parse_window(window) if window is not None else None
    database = RunDatabase.locate(database_url)
    where = target(inventory, cluster)
    command = regen_command_line(
        "apply", units, nodes, literal, force_self_signed, force_replication
    )
    snap, built = build_plan(
        where, units, nodes, literal, force_self_signed, command, force_replication
    )
    out = console()
    print_plan(out, built)
    if not built.changes_anything:
        out.print("Nothing to change.")
        return
    if bounds is not None and not in_window(datetime.now().time(), bounds):
        raise ConfigError(
            f"now ({datetime.now():%H:%M}) is outside the window {window}: run it inside the"
            " window, or change --window"
        )
    refuse_unfinished(database, {where.config.name})
    confirm(f"Apply these {len(built.steps)} steps to cluster {built.cluster}?", yes)
    hooks = (pre_hook, post_hook, deploy_hook)
    with around(hooks, "regen apply", where, database, plan_nodes(built)):
        raise typer.Exit(execute(out, where, built, snap, database, report))


app.command("plan")(plan)
app.command("apply")(apply)
