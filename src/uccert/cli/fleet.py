"""`uccert fleet regen plan|apply`: one run per cluster, executed by `uccert worker`s.

``apply`` plans every selected cluster here (it reads them, with their credentials), asks,
and enqueues one run per cluster on the PostgreSQL run database; it then shows each cluster's
progress until every run has finished, or returns at once with ``--detach``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.config import DEFAULT_INVENTORY, load_inventory
from uccert.errors import ConfigError
from uccert.run import RunDatabase

from .changes import (
    DuplicatesOption,
    ExpiredOption,
    ForceCaOption,
    ForceOption,
    LiteralOption,
    NodesOption,
    PruneNodesOption,
    StoreOption,
    SubjectOption,
    UnitsOption,
    build_plan,
    prune_command_line,
    regen_command_line,
)
from .common import (
    DatabaseOption,
    ForceReplicationOption,
    InventoryOption,
    JsonOption,
    Target,
    confirm,
    console,
    refuse_unfinished,
    target,
)

if TYPE_CHECKING:
    from uccert.model import Plan

app = typer.Typer(help="Fleet runs on PostgreSQL: one run per cluster, executed by workers.")
regen_app = typer.Typer(help="Regenerate self-signed certificates on every cluster of a fleet.")
app.add_typer(regen_app, name="regen")
trust_app = typer.Typer(help="Trust cleanup on every cluster of a fleet.")
app.add_typer(trust_app, name="trust")

ClustersOption = Annotated[
    str | None,
    typer.Option("--clusters", help="Comma-separated cluster names (default: every cluster)."),
]
POLL = 1.0
FINISHED = ("succeeded", "failed", "cancelled")


def _targets(inventory: Path, clusters: str | None) -> list[Target]:
    inv = load_inventory(inventory)
    names = list(inv.clusters) if clusters is None else [c.strip() for c in clusters.split(",")]
    unknown = [n for n in names if n not in inv.clusters]
    if unknown or not names:
        raise ConfigError(
            f"{inv.path} has no cluster {', '.join(unknown) or '(none given)'}: give --clusters"
            f" from {', '.join(inv.clusters)}"
        )
    return [target(inv.path, name) for name in names]


def _plans(
    targets: list[Target],
    units: str,
    nodes: str,
    literal: bool,
    force: bool,
    replication: bool,
) -> list[tuple[Target, dict[str, str], Plan]]:
    command = regen_command_line("apply", units, nodes, literal, force, replication)
    planned = []
    for where in targets:
        snap, built = build_plan(where, units, nodes, literal, force, command, replication)
        planned.append((where, {n.node.name: n.node.fqdn for n in snap.nodes}, built))
    return planned


def plan(
    units: UnitsOption,
    nodes: NodesOption = "imp",
    literal: LiteralOption = False,
    force_self_signed: ForceOption = False,
    force_replication: ForceReplicationOption = False,
    clusters: ClustersOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    json_out: JsonOption = False,
) -> None:
    """Show what `fleet regen apply` would do on each cluster."""
    from .run_display import print_plan

    planned = _plans(
        _targets(inventory, clusters), units, nodes, literal, force_self_signed, force_replication
    )
    if json_out:
        sys.stdout.write(json.dumps([p.to_json() for _, _, p in planned], indent=2) + "\n")
        return
    out = console()
    for _, _, built in planned:
        out.rule(f"cluster {built.cluster}")
        print_plan(out, built)


def watch(database: RunDatabase, run_ids: dict[str, str]) -> int:
    """Each cluster's status as it changes, until all finish; 0 if every run succeeded."""
    from uccert.run import RunBook

    shown: dict[str, str] = {}
    while True:
        summaries = {s.id: s for s in RunBook(database).runs() if s.id in run_ids}
        for run_id, cluster in run_ids.items():
            s = summaries.get(run_id)
            if s is None:
                state = "queued"
            elif s.status.value == "running":
                state = f"running on {s.holder}"
            elif s.status.value == "interrupted":
                state = "waiting for a worker to adopt it"
            else:
                state = s.status.value
                if s.reason:
                    state += f": {s.reason}"
            if shown.get(run_id) != state:
                print(f"{cluster} {run_id}: {state}", flush=True)
                shown[run_id] = state
        statuses = [summaries[r].status.value if r in summaries else "" for r in run_ids]
        if all(s in FINISHED for s in statuses):
            return 0 if all(s == "succeeded" for s in statuses) else 1
        time.sleep(POLL)


def apply(
    units: UnitsOption,
    nodes: NodesOption = "imp",
    literal: LiteralOption = False,
    force_self_signed: ForceOption = False,
    force_replication: ForceReplicationOption = False,
    clusters: ClustersOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    detach: Annotated[
        bool, typer.Option("--detach", help="Return once the runs are queued.")
    ] = False,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
) -> None:
    """Plan every cluster, confirm, then queue one durable run per cluster for the workers."""
    database = _fleet_database(database_url)
    planned = _plans(
        _targets(inventory, clusters), units, nodes, literal, force_self_signed, force_replication
    )
    raise typer.Exit(_queue(database, planned, yes, detach))


def _fleet_database(database_url: str | None) -> RunDatabase:
    database = RunDatabase.locate(database_url)
    if not database.postgres:
        raise ConfigError(
            "fleet runs are executed by workers sharing a PostgreSQL run database: give"
            " --database-url postgresql://... or $UCCERT_DATABASE_URL"
        )
    return database


def _queue(
    database: RunDatabase,
    planned: list[tuple[Target, dict[str, str], Plan]],
    yes: bool,
    detach: bool,
) -> int:
    """Confirm, enqueue one run per cluster that changes anything, then watch (or not)."""
    from uccert.run import FleetItem, enqueue, new_run_id

    out = console()
    changing = [(w, f, p) for w, f, p in planned if p.changes_anything]
    for _, _, built in planned:
        what = f"{len(built.steps)} steps" if built.changes_anything else "nothing to change"
        out.print(f"{built.cluster}: {what}")
    if not changing:
        out.print("Nothing to change.")
        return 0
    refuse_unfinished(database, {p.cluster for _, _, p in changing})
    confirm(f"Queue runs on {len(changing)} clusters for the workers?", yes)
    items = [FleetItem(new_run_id(), p, w.inventory, f) for w, f, p in changing]
    enqueue(database, items)
    run_ids = {i.run_id: i.plan.cluster for i in items}
    for run_id, cluster in run_ids.items():
        print(f"{cluster} {run_id}: queued", flush=True)
    if detach:
        return 0
    return watch(database, run_ids)


def prune(
    expired: ExpiredOption = False,
    duplicates: DuplicatesOption = False,
    store: StoreOption = None,
    subject: SubjectOption = None,
    nodes: PruneNodesOption = "all",
    force: ForceCaOption = False,
    force_replication: ForceReplicationOption = False,
    clusters: ClustersOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show each cluster's plan; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    detach: Annotated[
        bool, typer.Option("--detach", help="Return once the runs are queued.")
    ] = False,
    database_url: DatabaseOption = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
) -> None:
    """Plan the trust cleanup of every cluster, confirm, then queue one run per cluster."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from uccert.plan import PruneRequest, check_request, parse_nodes, plan_prune

    from .common import snapshot_of, timing_of
    from .run_display import print_plan

    if dry_run and (yes or detach):
        raise ConfigError("--dry-run and --yes/--detach contradict each other: give one")
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
    database = None if dry_run else _fleet_database(database_url)
    planned = []
    for where in _targets(inventory, clusters):
        snap = snapshot_of(where)
        built = plan_prune(snap, request, timing_of(where.config), datetime.now(UTC))
        planned.append((where, {n.node.name: n.node.fqdn for n in snap.nodes}, built))
    if database is None:
        out = console()
        for _, _, built in planned:
            out.rule(f"cluster {built.cluster}")
            print_plan(out, built)
        out.print("Dry run: nothing changed.")
        return
    raise typer.Exit(_queue(database, planned, yes, detach))


regen_app.command("plan")(plan)
regen_app.command("apply")(apply)
trust_app.command("prune")(prune)
