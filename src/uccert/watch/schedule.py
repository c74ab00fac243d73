"""Each check of `uccert watch` as a DBOS workflow, one per period slot.

Why not DBOS's own cron (``DBOS.create_schedule``, with ``automatic_backfill`` for missed
runs, DBOS 3.4): its schedule threads fire only while DBOS stays launched, and uccert launches
DBOS only while holding the run database's lock (`uccert.run.database`): a watch holding it for
days would refuse every `regen apply`. So the watch launches DBOS per check, briefly, and takes
the idea of DBOS's scheduler: the workflow id names the slot (``watch-86400s-<slot start>``),
so a slot is checked once even across restarts and processes, and an interrupted check is
recovered by DBOS at the next launch. A restart after missed slots checks at once (the current
slot has not run); one check covers the missed ones, as a check reads the present.

Watch workflows carry their own application version: `regen apply`'s executor never recovers
them, and the watch never recovers a run.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from dbos import DBOS, DBOSConfig, SetWorkflowID

from uccert.errors import ConfigError
from uccert.run import ExecutorLock, RunDatabase

from .findings import Change, diff
from .store import NotifiedStore

APP_VERSION: Final = "uccert-watch-1"
WORKFLOW_NAME: Final = "uccert_watch_check"
NOTIFIED: Final = frozenset({"warning", "error"})  # info findings are not worth a message
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY: Final = re.compile(r"(\d+)([smhd])")


def parse_every(text: str) -> int:
    """``--every``: ``30s``, ``15m``, ``24h``, ``1d`` -> seconds."""
    match = _EVERY.fullmatch(text.strip())
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if seconds <= 0:
        raise ConfigError(f"--every {text!r} is not a period: give e.g. --every 24h (or 30m, 10s)")
    return seconds


def slot_of(now: datetime, period: int) -> datetime:
    """The start of the period slot ``now`` is in (slots counted from the Unix epoch, UTC)."""
    stamp = int(now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % period, UTC)


def workflow_id(period: int, slot: datetime | None) -> str:
    """One id per slot; ``--once`` (no slot): a fresh id, a check now."""
    if slot is None:
        return f"watch-once-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"
    return f"watch-{period}s-{slot:%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True)
class Checked:
    """One check's result: the clusters read and their findings (`check --json` form)."""

    clusters: tuple[str, ...]
    findings: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class WatchEnvironment:
    """What the process installs before launching DBOS (credentials live in ``check``; the
    webhook URL, which holds its secret, in ``notify``: neither is stored in the database)."""

    database: RunDatabase
    check: Callable[[], Checked]
    notify: Callable[[Change], None]


@dataclass
class _Slot:
    environment: WatchEnvironment | None = None


_SLOT: Final = _Slot()


@DBOS.step(name="uccert_watch_step")
def _check_and_notify() -> dict[str, Any]:
    """Check, notify what changed since the last notification, then remember it. A failed
    notification leaves the store as it was: the next check notifies it again."""
    env = _SLOT.environment
    if env is None:
        raise ConfigError("no watch environment installed: checks run only through uccert")
    checked = env.check()
    wanted = [f for f in checked.findings if f["severity"] in NOTIFIED]
    store = NotifiedStore(env.database)
    try:
        change = diff(store.known(), wanted, checked.clusters)
        if change.any:
            env.notify(change)
        store.replace(checked.clusters, wanted, datetime.now(UTC).isoformat())
    finally:
        store.close()
    return {"clusters": list(checked.clusters), "current": wanted, **change.to_json()}


@DBOS.workflow(name=WORKFLOW_NAME)
def _watch_check(slot: str) -> dict[str, Any]:
    return {"slot": slot, **_check_and_notify()}


def dbos_config(database: RunDatabase) -> DBOSConfig:
    return {
        "name": "uccert",
        "system_database_url": database.url,
        "application_version": APP_VERSION,
        "executor_id": "watch",
        "log_level": "WARNING",
    }


def run_check(environment: WatchEnvironment, ident: str, slot: str) -> tuple[dict[str, Any], bool]:
    """Launch DBOS under the database's lock, run (or find done) the check ``ident``, stop;
    the check's result, and False when the slot had been checked before (its stored result).
    Raises RunBusy while a run is being executed (the caller tries again later)."""
    with ExecutorLock(environment.database):
        _SLOT.environment = environment
        logging.getLogger("dbos").setLevel(logging.WARNING)
        DBOS(config=dbos_config(environment.database))
        try:
            DBOS.launch()
            before = DBOS.get_workflow_status(ident)
            with SetWorkflowID(ident):
                handle = DBOS.start_workflow(_watch_check, slot)
            result: dict[str, Any] = handle.get_result()
            return result, before is None
        finally:
            DBOS.destroy(destroy_registry=False)
            _SLOT.environment = None
