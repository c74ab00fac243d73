"""The lab's virtual clock: how simulated time follows real time.

``time_scale`` is real seconds per simulated second.

- ``0`` (instant): simulated time never moves by itself. After every mutating command the server
  calls ``settle()``, which runs every scheduled transition (``lab.run_until_idle()``); a wait on
  simulated time (a restart being streamed, a slow login) steps through the lab's scheduled
  transitions at once.
- ``> 0``: simulated time = real time elapsed since start / time_scale. ``sync()`` advances the lab
  to it; the servers call it before every command and a ticker task calls it in the background.

The lab itself is single-threaded and lives on the event loop, like every caller here.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from typing import Protocol


class Clocked(Protocol):
    """What the clock needs of a lab (``uccert.lab.state.Lab`` has it)."""

    @property
    def now(self) -> float: ...

    def advance_to(self, t: float) -> None: ...

    def next_event_time(self) -> float | None: ...

    def run_until_idle(self) -> None: ...


# Never sleep longer than this in one go while waiting on simulated time: keeps waits responsive.
_MAX_REAL_SLEEP = 0.1


class VirtualClock:
    def __init__(
        self,
        lab: Clocked,
        time_scale: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (math.isfinite(time_scale) and time_scale >= 0):
            raise ValueError(f"time scale must be a finite number >= 0, not {time_scale!r}")
        self.lab = lab
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._t0 = monotonic()
        self._base = lab.now
        self._ticker: asyncio.Task[None] | None = None

    @property
    def instant(self) -> bool:
        return self.time_scale == 0

    def target(self) -> float:
        """The simulated time real time says it is (instant mode: the lab's own time)."""
        if self.instant:
            return self.lab.now
        return self._base + (self._monotonic() - self._t0) / self.time_scale

    def sync(self) -> None:
        """Bring the lab up to real time (scaled mode); nothing in instant mode."""
        if not self.instant:
            t = self.target()
            if t > self.lab.now:
                self.lab.advance_to(t)

    def settle(self) -> None:
        """After a mutating command: instant mode runs every scheduled transition."""
        if self.instant:
            self.lab.run_until_idle()
        else:
            self.sync()

    async def step(self, limit: float) -> None:
        """Move simulated time forward to the next scheduled transition (or `limit`, if sooner).

        Instant mode jumps there; scaled mode sleeps in real time (at most ~0.1 s per call, so
        callers can poll state between steps).
        """
        if self.instant:
            nxt = self.lab.next_event_time()
            t = limit if nxt is None else min(nxt, limit)
            if t > self.lab.now:
                self.lab.advance_to(t)
            await asyncio.sleep(0)
            return
        self.sync()
        now = self.lab.now
        nxt = self.lab.next_event_time()
        t = limit if nxt is None else min(max(nxt, now), limit)
        delay = max(0.0, (t - now) * self.time_scale)
        await asyncio.sleep(min(delay, _MAX_REAL_SLEEP))
        self.sync()

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time, processing what happens meanwhile."""
        end = self.lab.now + seconds
        while self.lab.now < end:
            await self.step(end)

    # -- background ticker (scaled mode) ------------------------------------------------------

    def start(self) -> None:
        if not self.instant and self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    async def _tick(self) -> None:
        interval = min(0.25, max(0.02, self.time_scale))
        while True:
            await asyncio.sleep(interval)
            self.sync()
