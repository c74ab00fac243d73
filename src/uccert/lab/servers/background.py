"""A running lab on its own thread and event loop, for callers that are not async (the demo,
tests that drive the uccert command line against it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any, TypeVar

from .fleet import RunningFleet, running_fleet
from .runtime import RunningLab, running_lab

T = TypeVar("T")

START_TIMEOUT = 120.0


@contextmanager
def lab_in_background(**options: Any) -> Iterator[RunningLab]:
    """``running_lab(**options)`` served from a daemon thread until the block ends."""
    with _in_background(lambda: running_lab(**options)) as lab:
        yield lab


@contextmanager
def fleet_in_background(count: int, **options: Any) -> Iterator[RunningFleet]:
    """``running_fleet(count, **options)`` (many clusters) from a daemon thread."""
    with _in_background(lambda: running_fleet(count, **options)) as fleet:
        yield fleet


@contextmanager
def _in_background(factory: Callable[[], AbstractAsyncContextManager[T]]) -> Iterator[T]:
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        box["stop"] = (asyncio.get_running_loop(), stop)
        try:
            async with factory() as lab:
                box["lab"] = lab
                ready.set()
                await stop.wait()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            raise

    thread = threading.Thread(target=lambda: asyncio.run(serve()), name="uccert-lab", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT) or "error" in box:
        raise RuntimeError(f"the lab did not start: {box.get('error', 'timed out')}")
    try:
        yield box["lab"]
    finally:
        loop, stop = box["stop"]
        loop.call_soon_threadsafe(stop.set)
        thread.join(START_TIMEOUT)
