"""`uccert regen plan|apply`: regenerate self-signed certificates the way the procedure says,
with HA handled, restarts merged and ordered, every step verified, and the run durable.

``plan`` only reads. ``apply`` reads, plans, shows the plan, asks (or takes ``--yes``), and
then executes it as a run (``uccert runs``). Anything wrong with the input or the cluster's
reachability stops before the first change, with exit 2.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from uccert.config import (
    DEFAULT_INVENTORY,
    ClusterConfig,
    ClusterCredentials,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.errors import ConfigError
from uccert.model import Plan, PlanTiming, Snapshot
from uccert.plan import RegenRequest, parse_nodes, parse_units, plan_regen
from uccert.run.database import RunDatabase
from uccert.run.hooks import plan_nodes

from .hooks import DeployHookOption, PostHookOption, PreHookOption, around
from .inventory import ClusterOption, InventoryOption, JsonOption, console
from .output import paged, progress
from .run_display import (
    ExplainOption,
    ProgressPrinter,
    print_interrupted,
    print_outcome,
    print_plan,
    write_report,
)

if TYPE_CHECKING:
    from uccert.cluster import NodeTargets

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
ForceReplicationOption = Annotated[
    bool,
    typer.Option(
        "--force-replication",
        help="Go on although a node's database replication is not good (a warning in the plan).",
    ),
]
ReportOption = Annotated[
    Path | None, typer.Option("--report", help="Write a self-contained HTML report.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Run database (default: SQLite under the state directory); no passwords here —"
        " use $UCCERT_DATABASE_URL.",
    ),
]


@dataclass(frozen=True)
class Target:
    """One cluster, ready to talk to."""

    config: ClusterConfig
    credentials: ClusterCredentials
    inventory: Path
    pins_dir: Path

    @property
    def targets(self) -> NodeTargets:
        from uccert.cluster import NodeTargets

        return NodeTargets(self.config, self.credentials, self.pins_dir)

    def snapshot(self) -> Snapshot:
        from uccert.cluster import ClusterClient

        client = ClusterClient(self.config, self.credentials, self.pins_dir)
        return asyncio.run(client.snapshot())


def target(inventory: Path, cluster: str | None) -> Target:
    """The one cluster a change is made on (ConfigError before anything connects)."""
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    if len(clusters) != 1:
        names = ", ".join(c.name for c in clusters)
        raise ConfigError(
            f"{inv.path} has clusters {names}: changes are made one cluster at a time —"
            " pick one with --cluster"
        )
    config = clusters[0]
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = resolve_credentials(config.credentials, cluster=config.name, prompt=prompt)
    return Target(config, creds, inv.path, inv.path.resolve().parent)


def timing_of(config: ClusterConfig) -> PlanTiming:
    t = config.timing
    return PlanTiming(t.ha_sync_wait, t.poll_interval, t.restart_timeout, t.command_timeout)


def snapshot_of(where: Target) -> Snapshot:
    with progress(
        f"reading cluster {where.config.name} ({where.config.publisher} and its nodes) ..."
    ):
        return where.snapshot()


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


def confirm(question: str, yes: bool) -> None:
    """Ask, unless ``--yes``; refuse without a terminal to ask on."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError(f"{question} — no terminal to ask on: pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise ConfigError("not confirmed: nothing was changed")


def refuse_unfinished(database: RunDatabase) -> None:
    from uccert.run.executor import RunBook

    pending = RunBook(database).unfinished()
    if pending:
        ids = ", ".join(f"{r.id} ({r.status.value})" for r in pending)
        raise ConfigError(
            f"an unfinished run exists: {ids} — finish it with `uccert runs resume ID --yes`"
            " or drop it with `uccert runs cancel ID`"
        )


def execute(
    out: Console,
    where: Target,
    built: Plan,
    snap: Snapshot,
    database: RunDatabase,
    report: Path | None,
) -> int:
    """Run the plan durably; the exit code (0 succeeded, 1 failed, 4 interrupted)."""
    from uccert.run.executor import Executor, RunBook, new_run_id
    from uccert.run.workflow import RunEnvironment

    run_id = new_run_id()
    fqdns = {n.node.name: n.node.fqdn for n in snap.nodes}
    printer = ProgressPrinter(out, len(built.steps))
    env = RunEnvironment({where.config.name: where.credentials}, printer)
    out.print(f"Run [bold]{run_id}[/] started (resume it with `uccert runs resume {run_id}`).")

    async def go() -> int:
        with Executor(database, env) as executor:
            outcome = await executor.start(run_id, built, where.inventory, fqdns)
        return print_outcome(out, run_id, outcome)

    try:
        code = asyncio.run(go())
    except KeyboardInterrupt:
        print_interrupted(run_id)
        return 4
    if report is not None:
        write_report(RunBook(database).show(run_id), report)
        out.print(f"Report written to {report}")
    return code


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
    hooks = (pre_hook, post_hook, deploy_hook)
    with around(hooks, "regen apply", where, database, plan_nodes(built)):
        raise typer.Exit(execute(out, where, built, snap, database, report))


app.command("plan")(plan)
app.command("apply")(apply)
