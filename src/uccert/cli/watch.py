"""`uccert watch`: run `check` on a schedule and notify new (and resolved) findings only.

Each check is a DBOS workflow named by its period slot (`uccert.watch.schedule`), so a slot is
checked once, and a restart after missed slots checks at once. The findings already notified
are kept in the run database (`uccert.watch.store`). docs/watch.md says it all.
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.config import DEFAULT_INVENTORY

from .common import ClusterOption, InventoryOption

if TYPE_CHECKING:
    from datetime import time as dt_time

    from uccert.config import ClusterConfig, ClusterCredentials, Inventory
    from uccert.run import RunDatabase
    from uccert.watch import Checked

    from .common import Target

BUSY_RETRY = 30.0  # seconds before trying a slot again while a run holds the database


def _checker(
    inv: Inventory,
    clusters: tuple[ClusterConfig, ...],
    creds: list[ClusterCredentials],
    warn_days: int | None,
) -> Checked:
    """One read of every selected cluster and its checks (credentials stay in memory)."""
    import asyncio

    from uccert.checks import run_checks
    from uccert.cluster import ClusterClient, fleet_bound, snapshot_clusters
    from uccert.model import Finding, Snapshot, findings_to_json
    from uccert.watch import Checked

    pins_dir = inv.path.resolve().parent

    async def read() -> tuple[Snapshot, ...]:
        bound = fleet_bound(inv.limits, max(c.limits.tls_per_node for c in clusters))
        clients = [
            ClusterClient(c, cr, pins_dir, bound) for c, cr in zip(clusters, creds, strict=True)
        ]
        return tuple(await snapshot_clusters(clients))

    snapshots = asyncio.run(read())
    now = datetime.now(UTC)
    found: list[Finding] = []
    for config, snap in zip(clusters, snapshots, strict=True):
        days = warn_days if warn_days is not None else config.thresholds.warn_days
        found.extend(run_checks(snap, now, days))
    found.sort(key=Finding.sort_key)
    document = findings_to_json(found)
    return Checked(tuple(c.name for c in clusters), tuple(document["findings"]))


def _auto_regen(
    units: str | None, window: str | None
) -> tuple[tuple[str, ...], tuple[dt_time, dt_time]] | None:
    """``--auto-regen`` and ``--window`` go together; both checked before anything is read."""
    from uccert.errors import ConfigError
    from uccert.plan import parse_units

    from .changes import parse_window

    if units is None and window is None:
        return None
    if units is None or window is None:
        raise ConfigError(
            "--auto-regen and --window go together: give both, e.g."
            " --auto-regen cup,cup-xmpp --window 22:00-02:00"
        )
    return parse_units(units), parse_window(window)


def _target(inv: Inventory, config: ClusterConfig, creds: ClusterCredentials) -> Target:
    from .common import Target

    return Target(config, creds, inv.path, inv.path.resolve().parent)


def _regenerate(
    regen: tuple[tuple[str, ...], tuple[dt_time, dt_time]],
    current: list[dict[str, object]],
    targets: dict[str, Target],
    database: RunDatabase,
) -> None:
    """Inside the window: `regen apply`'s own path (plan, refusals, durable run) for each
    cluster with an expiring unit of ``--auto-regen``; outside it, nothing."""
    from uccert.errors import UccertError
    from uccert.watch import regen_targets

    from .changes import build_plan, in_window
    from .common import console, execute, refuse_unfinished

    units, window = regen
    wanted = regen_targets(current, units)
    if not wanted:
        return
    if not in_window(datetime.now().time(), window):
        names = ", ".join(f"{t.cluster}: {','.join(t.units)}" for t in wanted)
        print(f"auto-regen waits for the window {window[0]:%H:%M}-{window[1]:%H:%M} ({names})")
        return
    out = console()
    for t in wanted:
        where = targets[t.cluster]
        units_text, nodes_text = ",".join(t.units), ",".join(t.nodes)
        command = f"uccert watch --auto-regen {units_text} (nodes {nodes_text})"
        try:
            refuse_unfinished(database, {where.config.name})
            snap, built = build_plan(where, units_text, nodes_text, False, False, command)
            if not built.changes_anything:
                continue
            code = execute(out, where, built, snap, database, None)
        except UccertError as exc:
            print(f"warning: auto-regen on cluster {t.cluster} refused: {exc}", file=sys.stderr)
            continue
        if code != 0:
            said = f"warning: auto-regen on cluster {t.cluster} ended with exit {code}"
            print(f"{said}: see `uccert runs list`", file=sys.stderr)


def watch(
    every: Annotated[
        str, typer.Option("--every", help="How often to check: 24h (default), 30m, 10s, 1d.")
    ] = "24h",
    notify_command: Annotated[
        str | None,
        typer.Option(
            "--notify-command",
            help="Command given the change as JSON on stdin (no shell; see docs/watch.md).",
        ),
    ] = None,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="URL to POST the change to (JSON).")
    ] = None,
    webhook_format: Annotated[
        str,
        typer.Option("--webhook-format", help="Body of the POST: json, slack, teams or webex."),
    ] = "json",
    auto_regen: Annotated[
        str | None,
        typer.Option(
            "--auto-regen",
            help="Units to regenerate (self-signed) when expiring, inside --window: cup,tomcat...",
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option("--window", help="Local time window for --auto-regen, HH:MM-HH:MM."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Check once now, notify, and exit.")] = False,
    warn_days: Annotated[
        int | None,
        typer.Option(
            "--warn-days", min=0, help="Expiry warning window (default: the inventory's)."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Run database, which keeps what was notified (default: the state directory).",
        ),
    ] = None,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    cluster: ClusterOption = None,
) -> None:
    """Check on a schedule; notify new and resolved findings only, by command or webhook."""
    from uccert.config import load_inventory, resolve_credentials, select_clusters
    from uccert.errors import ConfigError, ExitCode, UccertError
    from uccert.run import (
        HookContext,
        HookKind,
        RunBusy,
        RunDatabase,
        credential_names,
        hook_environment,
        parse_hook,
        secret_values,
    )
    from uccert.watch import Change, WatchEnvironment, parse_every, run_check, slot_of, workflow_id
    from uccert.watch import notify as n

    period = parse_every(every)
    regen = _auto_regen(auto_regen, window)
    argv = parse_hook("--notify-command", notify_command)
    url = n.check_webhook(webhook) if webhook is not None else None
    if webhook_format not in n.FORMATS:
        raise ConfigError(
            f"--webhook-format {webhook_format!r} is not one of {', '.join(n.FORMATS)}"
        )
    form: n.WebhookFormat = webhook_format
    if argv is None and url is None:
        raise ConfigError("nothing to notify: give --notify-command CMD and/or --webhook URL")
    database = RunDatabase.locate(database_url)
    inv = load_inventory(inventory)
    clusters = select_clusters(inv, cluster)
    prompt = getpass.getpass if sys.stdin.isatty() else None
    creds = [resolve_credentials(c.credentials, cluster=c.name, prompt=prompt) for c in clusters]

    strip = frozenset().union(*(credential_names(c.credentials) for c in clusters))
    hidden = [s for cr in creds for s in secret_values(cr)]
    context = HookContext("watch", " ".join(c.name for c in clusters))

    def deliver(change: Change) -> None:
        if argv is not None:
            env = hook_environment(os.environ, context, HookKind.POST, strip, hidden)
            n.run_command(argv, change, env)
        if url is not None:
            n.post(url, n.payload(change, form))

    targets = {c.name: _target(inv, c, cr) for c, cr in zip(clusters, creds, strict=True)}
    environment = WatchEnvironment(
        database, lambda: _checker(inv, clusters, creds, warn_days), deliver
    )
    while True:
        slot = None if once else slot_of(datetime.now(UTC), period)
        ident = workflow_id(period, slot)
        try:
            result, fresh = run_check(environment, ident, ident)
        except RunBusy as exc:
            if once:
                raise
            print(f"{datetime.now(UTC):%H:%M:%S} check postponed: {exc}", file=sys.stderr)
            time.sleep(min(BUSY_RETRY, period))
            continue
        except n.NotifyFailed as exc:
            print(f"warning: check {ident}: {exc} — notified again next check", file=sys.stderr)
            if once:
                raise typer.Exit(ExitCode.FAILED) from None
        except UccertError as exc:
            if once:
                raise
            print(f"warning: check {ident} failed: {exc} — checking again next period")
        else:
            new, resolved = len(result["new"]), len(result["resolved"])
            said = f"{new} new, {resolved} resolved" if fresh else "checked before (not again)"
            print(f"{datetime.now(UTC):%H:%M:%S} check {ident}: {said}")
            if regen is not None and fresh:
                _regenerate(regen, result["current"], targets, database)
        if once:
            return
        assert slot is not None
        time.sleep(max(0.0, slot.timestamp() + period - time.time()))
