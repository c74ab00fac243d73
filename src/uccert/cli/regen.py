"""`uccert regen plan|apply`: regenerate self-signed certificates the way the procedure says,
with HA handled, restarts merged and ordered, every step verified, and the run durable.

``plan`` only reads. ``apply`` reads, plans, shows the plan, asks (or takes ``--yes``), and
then executes it as a run (``uccert runs``). Anything wrong with the input or the cluster's
reachability stops before the first change, with exit 2.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY
from uccert.errors import ConfigError
from uccert.model import Plan, Snapshot
from uccert.plan import RegenRequest, parse_nodes, parse_units, plan_regen
from uccert.run.database import RunDatabase

from .common import (
    ClusterOption,
    DatabaseOption,
    ForceReplicationOption,
    InventoryOption,
    JsonOption,
    ReportOption,
    Target,
    confirm,
    console,
    execute,
    refuse_unfinished,
    snapshot_of,
    target,
    timing_of,
)
from .output import paged
from .run_display import ExplainOption, print_plan

app = typer.Typer(help="Regenerate self-signed certificates: plan, then apply.")

UnitsOption = Annotated[
    str,
    typer.Option(
        "--units",
        help="Comma-separated: cup, cup-xmpp, cup-xmpp-s2s, ipsec, tomcat (ECDSA twins too)"
        ", or all.",
    ),
]
NodesOption = Annotated[
    str,
    typer.Option("--nodes", help="imp (default), cucm, all, or comma-separated node names."),
]
LiteralOption = Annotated[
    bool, typer.Option("--literal", help="The tech note's order, unit by unit (not merged).")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force-self-signed", help="Regenerate CA-signed units too (replaces the CA cert)."
    ),
]


def build_plan(
    where: Target,
    units: str,
    nodes: str,
    literal: bool,
    force: bool,
    command: str,
    force_replication: bool = False,
) -> tuple[Snapshot, Plan]:
    request = RegenRequest(
        units=parse_units(units),
        nodes=parse_nodes(nodes),
        literal=literal,
        force_self_signed=force,
        command=command,
        force_replication=force_replication,
    )
    snap = snapshot_of(where)
    return snap, plan_regen(snap, request, timing_of(where.config))


def _command_line(
    sub: str, units: str, nodes: str, literal: bool, force: bool, replication: bool = False
) -> str:
    parts = ["uccert", "regen", sub, "--units", units, "--nodes", nodes]
    if literal:
        parts.append("--literal")
    if force:
        parts.append("--force-self-signed")
    if replication:
        parts.append("--force-replication")
    return " ".join(parts)


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
    where = target(inventory, cluster)
    command = _command_line("apply", units, nodes, literal, force_self_signed, force_replication)
    _, built = build_plan(
        where, units, nodes, literal, force_self_signed, command, force_replication
    )
    if json_out:
        sys.stdout.write(json.dumps(built.to_json(), indent=2) + "\n")
        return
    out = console()
    with paged(out):
        print_plan(out, built, explain=explain)


def parse_window(text: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` (local time; may cross midnight)."""
    try:
        start_text, end_text = text.split("-")
        return time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ConfigError(
            f"--window {text!r} is not HH:MM-HH:MM: give e.g. --window 22:00-02:00"
        ) from None


def in_window(now: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start <= end:
        return start <= now <= end
    return now >= start or now <= end


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
) -> None:
    """Plan, confirm, then regenerate, restart, verify and restore HA as one durable run."""
    bounds = parse_window(window) if window is not None else None
    database = RunDatabase.locate(database_url)
    where = target(inventory, cluster)
    command = _command_line("apply", units, nodes, literal, force_self_signed, force_replication)
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
    refuse_unfinished(database)
    confirm(f"Apply these {len(built.steps)} steps to cluster {built.cluster}?", yes)
    raise typer.Exit(execute(out, where, built, snap, database, report))


app.command("plan")(plan)
app.command("apply")(apply)
