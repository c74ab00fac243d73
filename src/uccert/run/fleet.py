"""Fleet runs on PostgreSQL: one run per cluster on a DBOS queue, executed by workers.

``uccert fleet regen apply`` enqueues one run per cluster (the stored input of ``run_input``:
plan, inventory path, FQDNs; never credentials) on ``FLEET_QUEUE``, partitioned by cluster
name with a partition concurrency of 1, so across every worker at most one run per cluster
executes at a time. ``uccert worker`` launches DBOS listening to that queue (``--concurrency``
runs at once in one worker) and resolves each cluster's credentials itself, as the CLI does.

A worker killed mid-run leaves its runs PENDING under its executor id, whose advisory lock
PostgreSQL dropped with its connection (``lease``). Each live worker sweeps: an executor with
pending fleet runs and no lock, seen so for ``lease_timeout`` seconds, is dead, and DBOS's own
``DBOS._recover_pending_workflows([its id])`` puts its runs back on the fleet queue (same
partition); whichever worker dequeues one replays its recorded steps and redoes the
interrupted one by observation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dbos import DBOS, DBOSClient

from uccert.model import Plan
from uccert.run.database import RunDatabase
from uccert.run.executor import APP_VERSION, FLEET_QUEUE
from uccert.run.lease import EXECUTOR_PREFIX, holders, lock_key, migrate
from uccert.run.workflow import WORKFLOW_NAME, run_input

LEASE_TIMEOUT: Final = 30.0  # seconds an executor's lock must stay free before adoption
SWEEP_INTERVAL: Final = 2.0
QUEUE_POLL: Final = 1.0


@dataclass(frozen=True)
class FleetItem:
    """One cluster's run to enqueue."""

    run_id: str
    plan: Plan
    inventory: Path
    fqdns: Mapping[str, str]


def enqueue(database: RunDatabase, items: Iterable[FleetItem]) -> list[str]:
    """Put one run per item on the fleet queue (no DBOS launch: a client only). On a database
    no worker has used yet, DBOS's tables are created first (``lease.migrate``), so runs may
    be queued before the workers start."""
    if not database.exists:
        migrate(database.url)
    client = DBOSClient(system_database_url=database.url)
    ids: list[str] = []
    try:
        for item in items:
            client.enqueue(
                {
                    "workflow_name": WORKFLOW_NAME,
                    "queue_name": FLEET_QUEUE,
                    "workflow_id": item.run_id,
                    "app_version": APP_VERSION,
                    "queue_partition_key": item.plan.cluster,
                },
                run_input(item.run_id, 1, item.inventory, item.plan, item.fqdns),
            )
            ids.append(item.run_id)
    finally:
        client.destroy()
    return ids


async def register_fleet_queue(concurrency: int) -> None:
    """The queue's settings in the database (a worker registers them; the last one wins)."""
    await DBOS.register_queue_async(
        FLEET_QUEUE,
        worker_concurrency=concurrency,
        partition_concurrency=1,
        polling_interval_sec=QUEUE_POLL,
        on_conflict="always_update",
    )


@dataclass
class Adopter:
    """Finds executors that died holding fleet runs and hands their runs back to the queue."""

    url: str
    own_id: str
    lease_timeout: float = LEASE_TIMEOUT
    clock: Callable[[], float] = time.monotonic
    _dead_since: dict[str, float] = field(default_factory=dict)

    def due(self, owners: Iterable[str], alive: Iterable[int], now: float) -> list[str]:
        """The owners whose lock has been free for the whole lease timeout (pure)."""
        held = set(alive)
        seen = {o for o in owners if o and o != self.own_id}
        for gone in set(self._dead_since) - seen:
            del self._dead_since[gone]
        ready: list[str] = []
        for owner in sorted(seen):
            if lock_key(EXECUTOR_PREFIX + owner) in held:
                self._dead_since.pop(owner, None)
                continue
            first = self._dead_since.setdefault(owner, now)
            if now - first >= self.lease_timeout:
                ready.append(owner)
        return ready

    def sweep(self) -> list[str]:
        """One look (blocking; in a worker thread): the executors adopted now."""
        pending = DBOS.list_workflows(
            status="PENDING",
            queue_name=FLEET_QUEUE,
            name=WORKFLOW_NAME,
            load_input=False,
            load_output=False,
        )
        owners = [w.executor_id or "" for w in pending]
        ready = self.due(owners, holders(self.url), self.clock())
        if ready:
            # DBOS 3.4's recovery of other executors' workflows (the classmethod is marked
            # internal; the same call DBOS makes for its own id at launch): it re-enqueues only
            # rows still PENDING under those ids, so a run another worker adopted meanwhile is
            # left alone.
            DBOS._recover_pending_workflows(ready)
            for owner in ready:
                self._dead_since.pop(owner, None)
        return ready
