"""`uccert worker`: execute fleet runs from the PostgreSQL run database until stopped.

A worker needs the network to the clusters and their credentials (environment, a 0600 file,
or the keyring, as every uccert command reads them); the database holds neither. Several
workers, on several machines, share one database: DBOS hands each queued run to one worker, at
most one run per cluster at a time, and a live worker adopts the runs of a dead one.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Annotated

import typer

from uccert.config import DEFAULT_INVENTORY, load_inventory, resolve_credentials
from uccert.errors import ConfigError
from uccert.run import RunDatabase

from .common import DatabaseOption, InventoryOption

ConcurrencyOption = Annotated[
    int, typer.Option("--concurrency", min=1, help="Clusters this worker runs at once.")
]
LeaseOption = Annotated[
    float,
    typer.Option(
        "--lease-timeout",
        min=0.0,
        help="Seconds a dead worker's lock stays free before its runs are adopted.",
    ),
]


def worker(
    inventory: InventoryOption = DEFAULT_INVENTORY,
    database_url: DatabaseOption = None,
    concurrency: ConcurrencyOption = 2,
    lease_timeout: LeaseOption = 30.0,
) -> None:
    """Execute fleet runs from the PostgreSQL run database until Ctrl-C or SIGTERM."""
    import asyncio

    from uccert.run import (
        FLEET_QUEUE,
        SWEEP_INTERVAL,
        Adopter,
        Executor,
        ProgressEvent,
        RunEnvironment,
        register_fleet_queue,
    )

    database = RunDatabase.locate(database_url)
    if not database.postgres:
        raise ConfigError(
            "workers share a PostgreSQL run database: give --database-url postgresql://..."
            " or $UCCERT_DATABASE_URL"
        )
    inv = load_inventory(inventory)
    credentials = {
        name: resolve_credentials(config.credentials, cluster=name)
        for name, config in inv.clusters.items()
    }

    def say(event: ProgressEvent) -> None:
        if event.phase == "note" or event.step is None:
            return
        if event.phase in ("end", "fail"):
            print(f"{event.run_id} {event.phase} {event.step.id}: {event.message}", flush=True)

    env = RunEnvironment(credentials, say)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        with Executor(database, env, listen=(FLEET_QUEUE,)) as executor:
            await register_fleet_queue(concurrency)
            print(
                f"worker {executor.executor_id}: {len(credentials)} clusters,"
                f" {concurrency} at a time",
                flush=True,
            )
            adopter = Adopter(database.url, executor.executor_id, lease_timeout)
            while not stop.is_set():
                for owner in await asyncio.to_thread(adopter.sweep):
                    print(f"adopted the runs of dead worker {owner}", flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), SWEEP_INTERVAL)
        print("worker stopped", file=sys.stderr)

    asyncio.run(serve())
