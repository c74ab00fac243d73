"""The exporter's shell: read every cluster in the background, serve the last samples.

A scrape only copies the samples of the last refresh (`SampleCollector`); the refresh loop
(`refresh_forever`) reads every cluster at once every interval, each read bounded by a timeout
and caught whatever it raises, so one cluster's failure is that cluster's read-success 0 and a
line on stderr, never the end of the process.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from uccert.cluster import ClusterClient
from uccert.config import ClusterConfig, ClusterCredentials
from uccert.errors import UccertError
from uccert.run import RunDatabase, RunSummary

from .samples import FAMILIES, ClusterState, ReadResult, Sample, advance, last_runs, samples

CONCURRENCY = 8


class SampleCollector(Collector):
    """Serves the samples of the last refresh; `update` swaps them in one assignment."""

    def __init__(self) -> None:
        self._samples: tuple[Sample, ...] = ()

    def update(self, new: tuple[Sample, ...]) -> None:
        self._samples = new

    def collect(self) -> Iterator[Metric]:
        current = self._samples
        for family in FAMILIES:
            gauge = GaugeMetricFamily(family.name, family.help, labels=family.labels)
            for s in current:
                if s.family is family:
                    gauge.add_metric(list(s.labels), s.value)
            yield gauge


@dataclass(frozen=True)
class Target:
    config: ClusterConfig
    credentials: ClusterCredentials


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UccertError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return "the read timed out — check the publisher, or raise --interval"
    return f"{type(exc).__name__}: {exc}"


async def read_cluster(
    target: Target, pins_dir: Path, bound: asyncio.Semaphore, timeout: float
) -> ReadResult:
    """One cluster's snapshot, or why not (never raises but for cancellation)."""
    name = target.config.name
    start = time.monotonic()
    try:
        client = ClusterClient(target.config, target.credentials, pins_dir, bound)
        snap = await asyncio.wait_for(client.snapshot(), timeout)
    except Exception as exc:  # any failure is this cluster's, never the process's
        return ReadResult(name, None, _reason(exc), time.monotonic() - start, datetime.now(UTC))
    return ReadResult(name, snap, None, time.monotonic() - start, datetime.now(UTC))


def _holder_alive(database: RunDatabase) -> bool:
    """Whether the process that last took the run database's executor lock still runs. Read
    from the lock file's text (``uccert pid N``), never by taking the lock: a probe by flock,
    every interval, could make a `regen apply` starting at that moment refuse as busy."""
    try:
        text = database.lock_path.read_text()
    except OSError:
        return False
    found = re.search(r"pid (\d+)", text)
    if found is None:
        return False
    try:
        os.kill(int(found.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_runs(database: RunDatabase) -> list[RunSummary]:
    """Every run of the database, read without taking its lock (nothing when it does not
    exist; nothing is created). An unfinished run is ``running`` while the process that last
    executed runs is alive, else ``interrupted``."""
    from uccert.run import RunBook

    if not database.exists:
        return []
    book = RunBook(database)
    busy = _holder_alive(database)
    return [book._summary(run, a, busy) for run, a in book._attempts().items()]


def _say(text: str) -> None:
    print(text.replace("\n", " "), file=sys.stderr, flush=True)


@dataclass
class Refresher:
    """The clusters' states, advanced by each refresh, published to `collector`."""

    targets: Sequence[Target]
    pins_dir: Path
    collector: SampleCollector
    timeout: float
    read_runs: Callable[[], Sequence[RunSummary]] | None = None

    def __post_init__(self) -> None:
        self.states: dict[str, ClusterState] = {}
        self.runs: dict[str, RunSummary] = {}

    async def refresh(self) -> None:
        bound = asyncio.Semaphore(CONCURRENCY)
        reads = await asyncio.gather(
            *(read_cluster(t, self.pins_dir, bound, self.timeout) for t in self.targets)
        )
        for target, read in zip(self.targets, reads, strict=True):
            name = target.config.name
            previous, days = self.states.get(name), target.config.thresholds.warn_days
            try:
                state = advance(previous, read, days)
            except Exception as exc:  # a snapshot the checks choke on is this cluster's failure
                failed = ReadResult(
                    name, None, f"cannot check: {_reason(exc)}", read.duration, read.finished
                )
                state = advance(previous, failed, days)
            self.states[name] = state
            if not state.success:
                _say(f"warning: cluster {name}: not read: {state.error}")
        if self.read_runs is not None:
            try:
                self.runs = last_runs(await asyncio.to_thread(self.read_runs))
            except Exception as exc:  # the run database is optional; keep the last runs read
                _say(f"warning: cannot read the run database: {_reason(exc)}")
        self.collector.update(samples(self.states.values(), self.runs))

    async def forever(self, interval: float) -> None:
        """Refresh now, then every `interval` seconds (from the start of the last refresh)."""
        while True:
            started = time.monotonic()
            await self.refresh()
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
