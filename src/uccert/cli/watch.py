"""`uccert watch`: run `check` on a schedule and notify new (and resolved) findings only.

Each check is a DBOS workflow named by its period slot (`uccert.watch.schedule`), so a slot is
checked once, and a restart after missed slots checks at once. The findings already notified
are kept in the run database (`uccert.watch.store`). docs/watch.md says it all.
"""

from __future__ import annotations

import getpass
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from uccert.config import DEFAULT_INVENTORY

from .inventory import ClusterOption, InventoryOption

if TYPE_CHECKING:
    from uccert.config import ClusterConfig, ClusterCredentials, Inventory
    from uccert.watch.schedule import Checked

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
    from uccert.cluster import ClusterClient, snapshot_clusters
    from uccert.cluster.client import fleet_bound
    from uccert.model import Finding, Snapshot, findings_to_json
    from uccert.watch.schedule import Checked

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
    from uccert.errors import ConfigError
    from uccert.run.database import RunBusy, RunDatabase
    from uccert.run.hooks import parse_hook
    from uccert.watch import notify as n
    from uccert.watch.findings import Change
    from uccert.watch.schedule import (
        WatchEnvironment,
        parse_every,
        run_check,
        slot_of,
        workflow_id,
    )

    period = parse_every(every)
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

    def deliver(change: Change) -> None:
        from uccert.run.hooks import credential_names, hook_environment

        if argv is not None:
            import os

            from uccert.run.hooks import HookContext, HookKind

            strip = frozenset().union(*(credential_names(c.credentials) for c in clusters))
            context = HookContext("watch", " ".join(c.name for c in clusters))
            env = hook_environment(os.environ, context, HookKind.POST, strip)
            n.run_command(argv, change, env)
        if url is not None:
            n.post(url, n.payload(change, form))

    environment = WatchEnvironment(
        database, lambda: _checker(inv, clusters, creds, warn_days), deliver
    )
    while True:
        slot = None if once else slot_of(datetime.now(UTC), period)
        ident = workflow_id(period, slot)
        try:
            result = run_check(environment, ident, ident)
        except RunBusy as exc:
            if once:
                raise
            print(f"{datetime.now(UTC):%H:%M:%S} check postponed: {exc}", file=sys.stderr)
            time.sleep(min(BUSY_RETRY, period))
            continue
        except n.NotifyFailed as exc:
            print(f"warning: check {ident}: {exc} — notified again next check", file=sys.stderr)
            if once:
                raise typer.Exit(1) from None
        else:
            new, resolved = len(result["new"]), len(result["resolved"])
            print(f"{datetime.now(UTC):%H:%M:%S} check {ident}: {new} new, {resolved} resolved")
        if once:
            return
        assert slot is not None
        time.sleep(max(0.0, slot.timestamp() + period - time.time()))
