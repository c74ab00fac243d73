"""Labs for the CLI tests: ``open_lab("14.0")`` starts a minimal lab at that version (instant
clock) for the rest of the test; several versions may be open at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from uccert.lab.servers.runtime import RunningLab, running_lab


@pytest.fixture
async def open_lab(tmp_path: Path) -> AsyncIterator[Callable[[str], Awaitable[RunningLab]]]:
    exits: list[Callable[..., Awaitable[object]]] = []

    async def _open(version: str) -> RunningLab:
        cm = running_lab(
            preset_name="minimal", version=version, time_scale=0, state_dir=tmp_path / version
        )
        lab = await cm.__aenter__()
        exits.append(cm.__aexit__)
        return lab

    yield _open
    for exit_ in reversed(exits):
        await exit_(None, None, None)
