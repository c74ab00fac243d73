"""What the commands share: the option types, the one cluster a change is made on (`Target`),
reading clusters, asking for confirmation, and running a plan durably (`execute`).

A command module holds one command; anything two commands need lives here, so that no command
imports another.
"""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from uccert.config import (
    ClusterConfig,
    ClusterCredentials,
    load_inventory,
    resolve_credentials,
    select_clusters,
)
from uccert.errors import ConfigError, RunInterrupted

from . import output
from .output import clean, progress

# The model imports cryptography, the run layer DBOS, and asyncio is for running: none of them
# is for `--help`, which imports every command module (tests/cli/test_lazy_imports.py).
if TYPE_CHECKING:
    from uccert.cluster import NodeSessions, NodeTargets
    from uccert.model import NodeSnapshot, Plan, PlanTiming, Snapshot
    from uccert.run import RunDatabase

InventoryOption = Annotated[
    Path, typer.Option("--inventory", help="The inventory file (uccert.toml).")
]
ClusterOption = Annotated[
    str | None, typer.Option("--cluster", help="One cluster of the inventory (default: every).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON (schema_version 1).")]
UnitOption = Annotated[
    str, typer.Option("--unit", help="The unit, e.g. tomcat, cup-xmpp, cup-xmpp-s2s.")
]
DomainOption = Annotated[
    list[str] | None,
    typer.Option(
        "--domain",
        help="cup-xmpp-s2s: an e-mail or group-chat alias domain to name (repeatable); the "
        "IM/P nodes' own domain is always named.",
    ),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Under each step of the plan, its whole reason.")
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
        import asyncio

        return asyncio.run(self.read())

    async def read(self, sessions: NodeSessions | None = None) -> Snapshot:
        """The cluster now; over ``sessions`` when given, which stay open for what the command
        does next (one login per node)."""
        from uccert.cluster import ClusterClient

        client = ClusterClient(self.config, self.credentials, self.pins_dir, sessions=sessions)
        return await client.snapshot()

    def sessions(self) -> NodeSessions:
        """Per-node sessions for one command (``async with``: closed at its end)."""
        from uccert.cluster import NodeSessions

        return NodeSessions(self.targets)


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
    from uccert.model import PlanTiming

    t = config.timing
    return PlanTiming(t.ha_sync_wait, t.poll_interval, t.restart_timeout, t.command_timeout)


def snapshot_of(where: Target) -> Snapshot:
    with progress(
        f"reading cluster {where.config.name} ({where.config.publisher} and its nodes) ..."
    ):
        return where.snapshot()


def read_snapshots(
    inventory: Path, cluster: str | None
) -> tuple[tuple[ClusterConfig, ...], tuple[Snapshot, ...]]:
    """The selected clusters and one snapshot of each (ConfigError before anything connects):
    the read commands' shared step, every cluster read at once under one bound."""
    import asyncio

    from uccert.cluster import (  # SSH/HTTP stack: not for --help
        ClusterClient,
        fleet_bound,
        snapshot_clusters,
    )

    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = [resolve_credentials(c.credentials, cluster=c.name, prompt=prompt) for c in clusters]
    pins_dir = inv.path.resolve().parent

    async def read() -> tuple[Snapshot, ...]:
        bound = fleet_bound(inv.limits, max(c.limits.tls_per_node for c in clusters))
        clients = [
            ClusterClient(c, cr, pins_dir, bound) for c, cr in zip(clusters, creds, strict=True)
        ]
        return await snapshot_clusters(clients)

    nodes = "" if len(clusters) != 1 else f" ({clusters[0].publisher} and its nodes)"
    names = ", ".join(clean(c.name) for c in clusters)
    with output.progress(f"reading cluster{'s' if len(clusters) > 1 else ''} {names}{nodes} ..."):
        return clusters, asyncio.run(read())


def console() -> Console:
    """The console a command prints to (terminal width, colour and pager settings)."""
    return output.console()


def confirm(question: str, yes: bool) -> None:
    """Ask, unless ``--yes``; refuse without a terminal to ask on."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfigError(f"{question} — no terminal to ask on: pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise ConfigError("not confirmed: nothing was changed")


def refuse_unfinished(database: RunDatabase, clusters: Collection[str] = ()) -> None:
    """Refuse to start while an unfinished run could still act. On SQLite every run counts:
    this machine executes them all, and starting one recovers the others. On PostgreSQL only
    the runs of ``clusters`` count: each run is held by the one process executing it, and
    other clusters' fleet runs are the workers' (at most one run per cluster at a time)."""
    from uccert.run import RunBook

    pending = RunBook(database).unfinished()
    if database.postgres and clusters:
        pending = [r for r in pending if r.cluster in clusters]
    if pending:
        ids = ", ".join(f"{r.id} on {r.cluster} ({r.status.value})" for r in pending)
        workers = " (or let the workers finish it)" if database.postgres else ""
        raise ConfigError(
            f"an unfinished run exists: {ids} — finish it with `uccert runs resume ID --yes`"
            f"{workers} or drop it with `uccert runs cancel ID`"
        )


def interrupted(run_id: str) -> RunInterrupted:
    """Ctrl-C during a run: it stopped part way, so say how to finish it (exit 4)."""
    from .run_display import stop_progress

    stop_progress()
    return RunInterrupted(
        f"run {run_id} was interrupted: High Availability may still be off and services"
        f" may be stopped — finish it with `uccert runs resume {run_id} --yes`"
    )


async def run_plan(
    out: Console, where: Target, built: Plan, snap: Snapshot, database: RunDatabase, run_id: str
) -> int:
    """Run the plan durably as ``run_id`` inside the command's event loop; the exit code (0
    succeeded, 1 failed)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from uccert.run import Executor, RunEnvironment

    from .run_display import ProgressPrinter, print_outcome

    fqdns = {n.node.name: n.node.fqdn for n in snap.nodes}
    printer = ProgressPrinter(out, len(built.steps))
    env = RunEnvironment({where.config.name: where.credentials}, printer)
    out.print(f"Run [bold]{run_id}[/] started (resume it with `uccert runs resume {run_id}`).")
    try:
        with Executor(database, env) as executor:
            outcome = await executor.start(run_id, built, where.inventory, fqdns)
    finally:
        # DBOS makes its thread pool the loop's default executor and shuts that pool down when
        # the executor closes; what the command does next on this loop (a name lookup, a
        # to_thread) needs a live one.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())
    return print_outcome(out, run_id, outcome)


def write_run_report(out: Console, database: RunDatabase, run_id: str, report: Path) -> None:
    from uccert.run import RunBook

    from .run_display import write_report

    write_report(RunBook(database).show(run_id), report)
    out.print(f"Report written to {report}")


def execute(
    out: Console,
    where: Target,
    built: Plan,
    snap: Snapshot,
    database: RunDatabase,
    report: Path | None,
) -> int:
    """Run the plan durably; the exit code (0 succeeded, 1 failed); RunInterrupted on Ctrl-C."""
    import asyncio

    from uccert.run import new_run_id

    run_id = new_run_id()
    try:
        code = asyncio.run(run_plan(out, where, built, snap, database, run_id))
    except KeyboardInterrupt:
        raise interrupted(run_id) from None
    if report is not None:
        write_run_report(out, database, run_id, report)
    return code


def unreadable(snapshots: tuple[Snapshot, ...]) -> list[tuple[str, NodeSnapshot]]:
    return [(s.cluster, n) for s in snapshots for n in s.nodes if n.error is not None]


def report_unreadable(snapshots: tuple[Snapshot, ...]) -> None:
    for cluster, node in unreadable(snapshots):
        print(
            f"warning: {clean(cluster)}/{clean(node.node.name)}: not read: {clean(node.error)}",
            file=sys.stderr,
        )
    for snap in snapshots:  # read, but one cert or line of it not
        for node in snap.nodes:
            for warning in node.warnings:
                print(
                    f"warning: {clean(snap.cluster)}/{clean(node.node.name)}: {clean(warning)}",
                    file=sys.stderr,
                )


_COMMAND = re.compile(r"`([^`]+)`")
_UNITS = re.compile(r"^(.*--units )(\S+)(.*)$")


def group_fix(fixes: Sequence[str]) -> str:
    """The fix of a group of findings, said once: the shared fix; or the one command that
    covers them all (``--units`` merged); or the most common fix and how many differ."""
    from uccert.plan import REGENERABLE, PlanError, parse_units

    unique = list(dict.fromkeys(fixes))
    if len(unique) == 1:
        return unique[0]
    commands = [_COMMAND.findall(f) for f in unique]
    if all(len(c) == 1 for c in commands):
        parts = [_UNITS.match(c[0]) for c in commands]
        shapes = {(m.group(1), m.group(3)) for m in parts if m}
        if all(parts) and len(shapes) == 1:
            (head, tail), units = shapes.pop(), [m.group(2) for m in parts if m]
            try:
                wanted = parse_units(",".join(units))
            except PlanError:
                wanted = ()
            if wanted:
                merged = "all" if wanted == REGENERABLE else ",".join(wanted)
                return f"{head}{merged}{tail}"
    common = max(unique, key=fixes.count)
    return f"{common} (and {len(unique) - 1} other fix{'es' if len(unique) > 2 else ''}: --details)"
